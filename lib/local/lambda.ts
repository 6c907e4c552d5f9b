import { randomUUID } from 'node:crypto';
import { pathToFileURL } from 'node:url';
import type { Context } from 'aws-lambda';

/** What a Lambda entry module exports. */
export type LambdaHandler = (event: unknown, context: Context) => Promise<unknown>;

/**
 * A Lambda-shaped context for local invocations (what Powertools and middy read from it). An aborted `signal` (the
 * emulator that invoked is closing) makes the remaining time 0, so a handler that works until its time is nearly up —
 * the inactivity sweeper — ends at its next check instead of holding `npm start`'s shutdown for minutes.
 */
export function lambdaContext(functionName: string, timeoutMs = 10_000, signal?: AbortSignal): Context {
  const deadline = Date.now() + timeoutMs;
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:local:000000000000:function:${functionName}`,
    memoryLimitInMB: '256',
    awsRequestId: randomUUID(),
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: 'local',
    getRemainingTimeInMillis: () => (signal?.aborted ? 0 : Math.max(0, deadline - Date.now())),
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

/** Loads a registry entry module (a `.ts` file under `functions/`) and returns its `handler` export. */
export async function loadHandler(rootDir: string, entry: string): Promise<LambdaHandler> {
  const mod = (await import(pathToFileURL(`${rootDir}/${entry}`).href)) as { handler?: unknown };
  if (typeof mod.handler !== 'function') throw new Error(`${entry} does not export a handler function`);
  return mod.handler as LambdaHandler;
}

/** Invokes a loaded handler the way the Lambda service would: a fresh context per invocation. */
export function invoke(
  name: string,
  handler: LambdaHandler,
  event: unknown,
  timeoutMs?: number,
  signal?: AbortSignal,
): Promise<unknown> {
  return handler(event, lambdaContext(name, timeoutMs, signal));
}
