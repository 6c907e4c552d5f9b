import { randomUUID } from 'node:crypto';
import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { guardEmulator } from './emulator-guard.ts';
import { closeServer, listen, readBody, sendJson } from './http-util.ts';
import { invoke, type LambdaHandler } from './lambda.ts';
import type { LocalLog } from './local-aws.ts';

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
  readonly log?: LocalLog;
  /** An async event that failed every attempt (Lambda's on-failure destination). */
  readonly onFailure?: (functionName: string, event: unknown, error: unknown) => void;
  /**
   * Where accepted async events are kept until they have run (one file each), so that a crash of the runtime — even
   * `kill -9` — loses none: `resume()` queues them again after a restart, as Lambda's own queue would still hold them.
   * @default in memory only
   */
  readonly queueDir?: string;
}

export interface LambdaApi {
  readonly endpoint: string;
  /** Resolves when no async invocation is queued or running. */
  idle(): Promise<void>;
  /** Queues the async events a previous run accepted but did not finish (call once the functions are loaded). */
  resume(): Promise<number>;
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
  interface Job {
    readonly name: string;
    readonly handler: LambdaHandler;
    readonly event: unknown;
    /** Its file in `queueDir`, removed once the job has run (or failed every attempt). */
    readonly file?: string;
  }
  const queue: Job[] = [];
  const { queueDir } = options;
  if (queueDir) await mkdir(queueDir, { recursive: true });
  let sequence = 0;
  const persist = async (name: string, event: unknown): Promise<string | undefined> => {
    if (!queueDir) return undefined;
    // Named so that a directory listing is the order of acceptance.
    const order = `${Date.now().toString().padStart(15, '0')}-${String(sequence++).padStart(9, '0')}`;
    const file = join(queueDir, `${order}-${randomUUID()}.json`);
    // Written aside and renamed: a crash mid-write leaves no half file to trip over on restart.
    await writeFile(`${file}.tmp`, JSON.stringify({ name, event }));
    await rename(`${file}.tmp`, file);
    return file;
  };
  const forget = (job: Job) => (job.file ? rm(job.file, { force: true }).catch(() => undefined) : undefined);
  let running = 0;
  let idleWaiters: Array<() => void> = [];
  let closed = false;
  // Aborted on close: running invocations see no time left (see lambdaContext) and wind down, as the scheduler's do.
  const closing = new AbortController();

  const settleIdle = () => {
    if (running === 0 && queue.length === 0) {
      for (const resolve of idleWaiters) resolve();
      idleWaiters = [];
    }
  };

  const runAsync = async (job: Job) => {
    for (let attempt = 0; ; attempt++) {
      try {
        await invoke(job.name, job.handler, job.event, 900_000, closing.signal);
        await forget(job);
        return;
      } catch (error) {
        // Closing: the job stays in queueDir for the next start.
        if (closed) return;
        if (attempt >= retries) {
          log('error', 'Async invocation failed after retries', { function: job.name, error: String(error) });
          await forget(job);
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
    // Only JSON or the SDK's own `application/octet-stream`: a `text/plain` (or form) POST is what a web page can send
    // cross-site without a CORS preflight, so it must never start a function.
    const type = (req.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase();
    if (text !== '' && type !== 'application/json' && type !== 'application/octet-stream') {
      return sendJson(
        res,
        415,
        { message: `Unsupported content type "${type}": send application/json or application/octet-stream` },
        'UnsupportedMediaTypeException',
      );
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
    const invocationType = String(req.headers['x-amz-invocation-type'] ?? 'RequestResponse');
    if (invocationType === 'DryRun') return sendJson(res, 204);
    if (invocationType === 'Event') {
      // Durable before the 202, as Lambda's queue is: an accepted event survives a crash of the runtime.
      const file = await persist(name, event);
      queue.push({ name, handler, event, ...(file ? { file } : {}) });
      pump();
      return sendJson(res, 202);
    }
    try {
      const result = await invoke(name, handler, event, 900_000, closing.signal);
      return sendJson(res, 200, result ?? null);
    } catch (error) {
      // A function error is still a 200 of the Invoke API: this header is what tells the SDK the payload is an error.
      res.setHeader('x-amz-function-error', 'Unhandled');
      return sendJson(res, 200, { errorType: (error as Error).name, errorMessage: (error as Error).message });
    }
  });
  server.keepAliveTimeout = 30_000;
  guardEmulator(server);
  const port = await listen(server, options.port, host);
  return {
    endpoint: `http://${host}:${port}`,
    resume: async () => {
      if (!queueDir) return 0;
      let resumed = 0;
      for (const entry of (await readdir(queueDir)).sort()) {
        const file = join(queueDir, entry);
        if (entry.endsWith('.tmp')) {
          await rm(file, { force: true });
          continue;
        }
        if (!entry.endsWith('.json')) continue;
        try {
          const { name, event } = JSON.parse(await readFile(file, 'utf8')) as { name: string; event: unknown };
          const handler = options.functions.get(name);
          if (!handler) throw new Error(`no function ${name}`);
          queue.push({ name, handler, event, file });
          resumed++;
        } catch (error) {
          log('error', 'Dropped an unreadable queued async event', { file: entry, error: String(error) });
          await rm(file, { force: true });
        }
      }
      pump();
      return resumed;
    },
    idle: () =>
      new Promise<void>((resolve) => {
        idleWaiters.push(resolve);
        settleIdle();
      }),
    close: async () => {
      closed = true;
      closing.abort();
      queue.length = 0;
      await closeServer(server);
    },
  };
}
