import { Worker } from 'node:worker_threads';
import type { Context } from 'aws-lambda';
import { INVOCATION_SIGNAL, type LambdaHandler } from './lambda.ts';

/** What the runtime's thread asks of the function host. */
export type HostRequest =
  | {
      readonly type: 'load';
      readonly id: number;
      readonly rootDir: string;
      readonly def: { readonly name: string; readonly entry: string };
      readonly env: Record<string, string | undefined>;
    }
  | {
      readonly type: 'invoke';
      readonly id: number;
      readonly name: string;
      readonly event: unknown;
      readonly awsRequestId: string;
      readonly remainingMs: number;
    }
  | { readonly type: 'abort'; readonly id: number };

/** The host's answer to a `load` or an `invoke`: the handler's result, or what it threw (name, message, stack). */
export type HostReply =
  | { readonly id: number; readonly ok: true; readonly value: unknown }
  | {
      readonly id: number;
      readonly ok: false;
      readonly error: { readonly name: string; readonly message: string; readonly stack?: string | undefined };
    };

export interface FunctionHost {
  /**
   * Loads a registry function in the host (its own module instances, initialised with exactly `env`) and returns the
   * handler the emulators invoke. Rejects, naming the function, when its init fails. `environments`: at most this many
   * of the host's threads run the function, the last ones (default: all).
   */
  load(
    rootDir: string,
    def: { readonly name: string; readonly entry: string },
    env: Record<string, string | undefined>,
    environments?: number,
  ): Promise<LambdaHandler>;
  /** Ends the host: invocations still running are answered with an error. */
  close(): Promise<void>;
}

/**
 * Starts the threads in which the functions of the local runtime run, apart from the thread that runs the emulators
 * (the API gateways, @connections, kinesalite, the pollers, the Scheduler and Connect emulators) — as Lambda runs
 * functions apart from the services that invoke them, so a burst of invocations no longer queues the gateway's frames
 * behind it, and the reverse.
 *
 * Each thread is an execution environment for every function, as Lambda scales a function out: a function is
 * initialised when it is loaded in the first thread it may run in (an init failure fails the runtime's start), and in
 * another thread only when an invocation is sent there — a cold start, with module state (caches, clients) of its own,
 * as a second Lambda environment has. Each invocation goes to the least busy thread where its function is warm and not
 * running, and only when there is none to the least busy thread of all.
 *
 * Events and results cross the thread boundary by structured clone, which Lambda's JSON payloads survive unchanged.
 * An error a handler throws comes back as an Error with its name, message and stack (what the emulators read).
 */
export function startFunctionHost(onCrash: (error: Error) => void, threads = 1): FunctionHost {
  const pending = new Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void }>();
  let nextId = 0;
  let ended: Error | undefined;

  const endAll = (error: Error) => {
    ended ??= error;
    for (const { reject } of pending.values()) reject(error);
    pending.clear();
  };
  const onReply = (reply: HostReply) => {
    const waiting = pending.get(reply.id);
    if (!waiting) return;
    pending.delete(reply.id);
    if (reply.ok) waiting.resolve(reply.value);
    else waiting.reject(Object.assign(new Error(reply.error.message), reply.error));
  };
  const environments = Array.from({ length: Math.max(1, threads) }, () => {
    const worker = new Worker(new URL('./function-host-boot.mjs', import.meta.url));
    worker.on('message', onReply);
    // An exception no handler caught ends the host, as it would end the runtime's process if functions ran in it.
    worker.on('error', (error) => {
      endAll(error);
      onCrash(error);
    });
    worker.on('exit', (code) => endAll(new Error(`The function host exited (code ${code})`)));
    return { worker, inFlight: 0, loaded: new Map<string, Promise<unknown>>(), running: new Map<string, number>() };
  });
  type Environment = (typeof environments)[number];

  const request = <T>(env: Environment, build: (id: number) => HostRequest): { id: number; done: Promise<T> } => {
    const id = nextId++;
    if (ended) return { id, done: Promise.reject(ended) };
    const done = new Promise<T>((resolve, reject) => {
      pending.set(id, { resolve: resolve as (value: unknown) => void, reject });
    });
    env.worker.postMessage(build(id));
    return { id, done };
  };
  const loadIn = (
    env: Environment,
    rootDir: string,
    def: { readonly name: string; readonly entry: string },
    vars: Record<string, string | undefined>,
  ) => {
    let loading = env.loaded.get(def.name);
    if (!loading) {
      loading = request(env, (id) => ({ type: 'load', id, rootDir, def, env: vars })).done;
      env.loaded.set(def.name, loading);
    }
    return loading;
  };
  // Ties go to the first environment, so the last is the least loaded: a function held to fewer environments (a
  // stream's consumer) takes the last ones, away from the bursts of the request-driven functions. As Lambda starts
  // another environment of a function only when every warm one is busy with it, an invocation goes to the least busy
  // environment where its function is loaded and not running; only when there is none, to the least busy of all (a
  // cold start where the function is not loaded yet). Counting only the invocations in flight of every function, a
  // long-running one (the two-minute inactivity sweep) sent every other function's first invocation to a cold start.
  const leastBusy = (pool: readonly Environment[]) =>
    pool.reduce((best, env) => (env.inFlight < best.inFlight ? env : best));
  const poolOf = (among: number) =>
    environments.slice(environments.length - Math.max(1, Math.min(among, environments.length)));
  const place = (name: string, among: number) => {
    const pool = poolOf(among);
    const warm = pool.filter((env) => env.loaded.has(name) && !env.running.has(name));
    return leastBusy(warm.length > 0 ? warm : pool);
  };

  const invokeIn = async (env: Environment, name: string, event: unknown, context: Context) => {
    const call = request(env, (id) => ({
      type: 'invoke',
      id,
      name,
      event,
      awsRequestId: context.awsRequestId,
      remainingMs: context.getRemainingTimeInMillis(),
    }));
    const signal = (context as { [INVOCATION_SIGNAL]?: AbortSignal })[INVOCATION_SIGNAL];
    const abort = () => env.worker.postMessage({ type: 'abort', id: call.id } satisfies HostRequest);
    if (signal?.aborted) abort();
    else signal?.addEventListener('abort', abort, { once: true });
    try {
      return await call.done;
    } finally {
      signal?.removeEventListener('abort', abort);
    }
  };

  return {
    load: async (rootDir, def, vars, among = environments.length) => {
      // Initialised where it will run: a function held to the last environments (a stream's consumer) would otherwise
      // be warm only in the first, where it never runs, and its first batch would pay a cold start.
      const first = poolOf(among)[0] as Environment;
      await loadIn(first, rootDir, def, vars);
      return async (event: unknown, context: Context) => {
        const env = place(def.name, among);
        env.inFlight += 1;
        env.running.set(def.name, (env.running.get(def.name) ?? 0) + 1);
        try {
          await loadIn(env, rootDir, def, vars);
          return await invokeIn(env, def.name, event, context);
        } finally {
          env.inFlight -= 1;
          const left = (env.running.get(def.name) ?? 1) - 1;
          if (left > 0) env.running.set(def.name, left);
          else env.running.delete(def.name);
        }
      };
    },
    close: async () => {
      endAll(new Error('The function host is closed'));
      await Promise.all(environments.map((env) => env.worker.terminate()));
    },
  };
}
