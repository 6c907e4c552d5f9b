import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { createSdkClient } from './sdk-client.ts';

/** The Lambda client of a function that starts others; the endpoint comes from the SDK's standard configuration. */
export const createLambdaClient = (): LambdaClient => createSdkClient(LambdaClient, {});

/**
 * Starts another function asynchronously (`InvocationType: 'Event'`): Lambda queues the event, answers 202 at once and
 * retries a failed run twice. Locally the same call reaches the runtime's Invoke emulator (`AWS_ENDPOINT_URL_LAMBDA`).
 */
export async function invokeAsync(client: LambdaClient, functionName: string, payload: unknown): Promise<void> {
  const out = await client.send(
    new InvokeCommand({
      FunctionName: functionName,
      InvocationType: 'Event',
      Payload: new TextEncoder().encode(JSON.stringify(payload)),
    }),
  );
  if (out.StatusCode !== 202) throw new Error(`Async invoke of ${functionName} answered ${out.StatusCode}`);
}
