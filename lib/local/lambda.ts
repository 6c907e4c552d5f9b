import { randomUUID } from 'node:crypto';
import { pathToFileURL } from 'node:url';
import type { Context } from 'aws-lambda';
import type { FunctionIsolation } from './function-isolation.ts';
import { LOCAL_ACCOUNT } from './local-aws.ts';

/**
 * The abort signal of a local invocation, kept on its context (not enumerable, not part of Lambda's shape) so that a
 * handler running in lib/local/function-host-worker.ts can be told when the emulator that invoked it closes.
 */
export const INVOCATION_SIGNAL: unique symbol = Symbol('invocation signal');

/** What a Lambda entry module exports. */
export type LambdaHandler = (event: unknown, context: Context) => Promise<unknown>;

/**
 * A Lambda-shaped context for local invocations (what Powertools and middy read from it). An aborted `signal` (the
 * emulator that invoked is closing) makes the remaining time 0, so a handler that works until its time is nearly up —
 * the inactivity sweeper — ends at its next check instead of holding `npm start`'s shutdown for minutes.
 */
export function lambdaContext(functionName: string, timeoutMs = 10_000, signal?: AbortSignal): Context {
  const deadline = Date.now() + timeoutMs;
  const context: Context = {
    callbackWaitsForEmptyEventLoop: false,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:local:${LOCAL_ACCOUNT}:function:${functionName}`,
    memoryLimitInMB: '256',
    awsRequestId: randomUUID(),
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: 'local',
    getRemainingTimeInMillis: () => (signal?.aborted ? 0 : Math.max(0, deadline - Date.now())),
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
  if (signal) Object.defineProperty(context, INVOCATION_SIGNAL, { value: signal });
  return context;
}

/**
 * Loads a registry function as Lambda would: its entry module (a `.ts` file under `functions/`) in module instances
 * of its own, initialised with exactly `env`; every invocation of the returned handler runs with that environment too.
 * A function whose init fails (a required variable missing) fails the start of the runtime, naming the function.
 */
export async function loadFunction(
  isolation: FunctionIsolation,
  rootDir: string,
  def: { readonly name: string; readonly entry: string },
  env: Record<string, string | undefined>,
): Promise<LambdaHandler> {
  const url = isolation.moduleUrl(pathToFileURL(`${rootDir}/${def.entry}`).href, def.name);
  let mod: { handler?: unknown };
  try {
    mod = (await isolation.run(env, () => import(url))) as { handler?: unknown };
  } catch (error) {
    throw new Error(`${def.name} failed to initialise: ${(error as Error).message}`, { cause: error });
  }
  const handler = mod.handler;
  if (typeof handler !== 'function') throw new Error(`${def.entry} does not export a handler function`);
  return (event, context) => isolation.run(env, () => (handler as LambdaHandler)(event, context));
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
