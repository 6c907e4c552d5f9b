import { InvokeCommand, type LambdaClient } from '@aws-sdk/client-lambda';

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
