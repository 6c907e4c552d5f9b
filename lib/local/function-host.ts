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
   * handler the emulators invoke. Rejects, naming the function, when its init fails.
   */
  load(
    rootDir: string,
    def: { readonly name: string; readonly entry: string },
    env: Record<string, string | undefined>,
  ): Promise<LambdaHandler>;
  /** Ends the host: invocations still running are answered with an error. */
  close(): Promise<void>;
}

/**
 * Starts the thread in which every function of the local runtime runs, apart from the thread that runs the emulators
 * (the API gateways, @connections, kinesalite, the pollers, the Scheduler and Connect emulators) — as Lambda runs
 * functions apart from the services that invoke them. Both then have a core each: a burst of invocations no longer
 * queues the gateway's frames behind it, and the reverse.
 *
 * Events and results cross the thread boundary by structured clone, which Lambda's JSON payloads survive unchanged.
 * An error a handler throws comes back as an Error with its name, message and stack (what the emulators read).
 */
export function startFunctionHost(onCrash: (error: Error) => void): FunctionHost {
  const worker = new Worker(new URL('./function-host-boot.mjs', import.meta.url));
  const pending = new Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void }>();
  let nextId = 0;
  let ended: Error | undefined;

  const endAll = (error: Error) => {
    ended ??= error;
    for (const { reject } of pending.values()) reject(error);
    pending.clear();
  };
  worker.on('message', (reply: HostReply) => {
    const waiting = pending.get(reply.id);
    if (!waiting) return;
    pending.delete(reply.id);
    if (reply.ok) waiting.resolve(reply.value);
    else waiting.reject(Object.assign(new Error(reply.error.message), reply.error));
  });
  // An exception no handler caught ends the host, as it would end the runtime's process if functions ran in it.
  worker.on('error', (error) => {
    endAll(error);
    onCrash(error);
  });
  worker.on('exit', (code) => endAll(new Error(`The function host exited (code ${code})`)));

  const request = <T>(build: (id: number) => HostRequest): { id: number; done: Promise<T> } => {
    const id = nextId++;
    if (ended) return { id, done: Promise.reject(ended) };
    const done = new Promise<T>((resolve, reject) => {
      pending.set(id, { resolve: resolve as (value: unknown) => void, reject });
    });
    worker.postMessage(build(id));
    return { id, done };
  };

  return {
    load: async (rootDir, def, env) => {
      await request((id) => ({ type: 'load', id, rootDir, def, env })).done;
      return (event: unknown, context: Context) => {
        const call = request((id) => ({
          type: 'invoke',
          id,
          name: def.name,
          event,
          awsRequestId: context.awsRequestId,
          remainingMs: context.getRemainingTimeInMillis(),
        }));
        const signal = (context as { [INVOCATION_SIGNAL]?: AbortSignal })[INVOCATION_SIGNAL];
        if (signal) {
          const abort = () => worker.postMessage({ type: 'abort', id: call.id } satisfies HostRequest);
          if (signal.aborted) abort();
          else {
            signal.addEventListener('abort', abort, { once: true });
            void call.done.finally(() => signal.removeEventListener('abort', abort)).catch(() => undefined);
          }
        }
        return call.done;
      };
    },
    close: async () => {
      endAll(new Error('The function host is closed'));
      await worker.terminate();
    },
  };
}
