import { createServer, type Server } from 'node:http';
import { closeServer, listen, readBody, sendJson } from './http-util.ts';
import { invoke, type LambdaHandler } from './lambda.ts';

export interface LambdaApiOptions {
  readonly port: number;
  readonly host?: string;
  /** Functions by name (the `FN_<NAME>` variables hold these names locally). */
  readonly functions: ReadonlyMap<string, LambdaHandler>;
  /** Async invocations running at once (Lambda would scale out; locally two cores set the pace). @default 8 */
  readonly asyncConcurrency?: number;
  /** Retries of a failed async invocation (Lambda's default is 2). */
  readonly asyncRetries?: number;
  /** Delay before each retry; Lambda waits about a minute, then two. @default [1000, 2000] */
  readonly retryDelaysMs?: readonly number[];
  readonly log?: (level: 'info' | 'warn' | 'error', message: string, data?: Record<string, unknown>) => void;
  /** An async event that failed every attempt (Lambda's on-failure destination). */
  readonly onFailure?: (functionName: string, event: unknown, error: unknown) => void;
}

export interface LambdaApi {
  readonly endpoint: string;
  /** Resolves when no async invocation is queued or running. */
  idle(): Promise<void>;
  close(): Promise<void>;
}

/**
 * The Lambda `Invoke` API (`POST /2015-03-31/functions/{name}/invocations`), so that the unmodified
 * `@aws-sdk/client-lambda` reaches local functions. `Event` invocations answer 202 at once and run from an internal
 * queue with Lambda's retry behaviour; `RequestResponse` runs inline and returns the payload.
 */
export async function startLambdaApi(options: LambdaApiOptions): Promise<LambdaApi> {
  const host = options.host ?? '127.0.0.1';
  const concurrency = options.asyncConcurrency ?? 8;
  const retries = options.asyncRetries ?? 2;
  const delays = options.retryDelaysMs ?? [1000, 2000];
  const log = options.log ?? (() => undefined);
  const queue: Array<{ name: string; handler: LambdaHandler; event: unknown }> = [];
  let running = 0;
  let idleWaiters: Array<() => void> = [];
  let closed = false;

  const settleIdle = () => {
    if (running === 0 && queue.length === 0) {
      for (const resolve of idleWaiters) resolve();
      idleWaiters = [];
    }
  };

  const runAsync = async (job: { name: string; handler: LambdaHandler; event: unknown }) => {
    for (let attempt = 0; ; attempt++) {
      try {
        await invoke(job.name, job.handler, job.event, 900_000);
        return;
      } catch (error) {
        if (attempt >= retries || closed) {
          log('error', 'Async invocation failed after retries', { function: job.name, error: String(error) });
          options.onFailure?.(job.name, job.event, error);
          return;
        }
        log('warn', 'Async invocation failed; retrying', {
          function: job.name,
          attempt: attempt + 1,
          error: String(error),
        });
        await new Promise((resolve) => setTimeout(resolve, delays[attempt] ?? delays.at(-1) ?? 1000));
      }
    }
  };

  const pump = () => {
    while (running < concurrency && queue.length > 0) {
      const job = queue.shift();
      if (!job) break;
      running++;
      void runAsync(job).finally(() => {
        running--;
        pump();
        settleIdle();
      });
    }
  };

  const server: Server = createServer(async (req, res) => {
    const text = (await readBody(req)).toString('utf8');
    const match = /^\/2015-03-31\/functions\/([^/]+)\/invocations$/.exec(new URL(req.url ?? '/', 'http://x').pathname);
    if (req.method !== 'POST' || !match?.[1]) return sendJson(res, 404, { message: 'Unknown operation' });
    // The name may be a bare name or an ARN ending in `function:<name>`.
    const name = decodeURIComponent(match[1]).split(':').at(-1) ?? '';
    const handler = options.functions.get(name);
    if (!handler) {
      return sendJson(res, 404, { Type: 'User', message: `Function not found: ${name}` }, 'ResourceNotFoundException');
    }
    let event: unknown;
    try {
      event = text ? JSON.parse(text) : {};
    } catch {
      return sendJson(
        res,
        400,
        { message: 'Could not parse request body into json' },
        'InvalidRequestContentException',
      );
    }
    const type = String(req.headers['x-amz-invocation-type'] ?? 'RequestResponse');
    if (type === 'DryRun') return sendJson(res, 204);
    if (type === 'Event') {
      queue.push({ name, handler, event });
      pump();
      return sendJson(res, 202);
    }
    try {
      const result = await invoke(name, handler, event, 900_000);
      return sendJson(res, 200, result ?? null);
    } catch (error) {
      // A function error is still a 200 of the Invoke API: this header is what tells the SDK the payload is an error.
      res.setHeader('x-amz-function-error', 'Unhandled');
      return sendJson(res, 200, { errorType: (error as Error).name, errorMessage: (error as Error).message });
    }
  });
  server.keepAliveTimeout = 30_000;
  const port = await listen(server, options.port, host);
  return {
    endpoint: `http://${host}:${port}`,
    idle: () =>
      new Promise<void>((resolve) => {
        idleWaiters.push(resolve);
        settleIdle();
      }),
    close: async () => {
      closed = true;
      queue.length = 0;
      await closeServer(server);
    },
  };
}
