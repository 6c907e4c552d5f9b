import { parentPort } from 'node:worker_threads';
import type { Context } from 'aws-lambda';
import type { HostReply, HostRequest } from './function-host.ts';
import { installFunctionIsolation } from './function-isolation.ts';
import { type LambdaHandler, lambdaContext, loadFunction } from './lambda.ts';

/**
 * The worker thread that runs every function of the local runtime (lib/local/function-host.ts starts it): it loads
 * each function in module instances and an environment of its own (lib/local/function-isolation.ts) and runs the
 * invocations the runtime's emulators send it, each with a Lambda context rebuilt from the caller's.
 */
const port = parentPort;
if (!port) throw new Error('function-host-worker.ts runs only as the function host worker thread');

// Measurement probes (a bench's request counter, say) that must run in the functions' threads, as RUNTIME_NODE_ARGS
// `--import` does for the runtime's process: comma-separated module URLs, imported before any function loads.
for (const probe of (process.env.FUNCTION_HOST_IMPORTS ?? '').split(',').filter(Boolean)) await import(probe);

const isolation = installFunctionIsolation();
const handlers = new Map<string, LambdaHandler>();
const running = new Map<number, AbortController>();

const post = (reply: HostReply) => port.postMessage(reply);
const failure = (id: number, error: unknown): HostReply => {
  const e = error instanceof Error ? error : new Error(String(error));
  return { id, ok: false, error: { name: e.name, message: e.message, stack: e.stack } };
};

async function handle(request: HostRequest): Promise<void> {
  switch (request.type) {
    case 'load': {
      try {
        handlers.set(request.def.name, await loadFunction(isolation, request.rootDir, request.def, request.env));
        post({ id: request.id, ok: true, value: null });
      } catch (error) {
        post(failure(request.id, error));
      }
      return;
    }
    case 'invoke': {
      const handler = handlers.get(request.name);
      if (!handler) {
        post(failure(request.id, new Error(`${request.name} is not loaded in the function host`)));
        return;
      }
      const controller = new AbortController();
      running.set(request.id, controller);
      try {
        const context: Context = {
          ...lambdaContext(request.name, request.remainingMs, controller.signal),
          awsRequestId: request.awsRequestId,
        };
        post({ id: request.id, ok: true, value: await handler(request.event, context) });
      } catch (error) {
        post(failure(request.id, error));
      } finally {
        running.delete(request.id);
      }
      return;
    }
    case 'abort':
      running.get(request.id)?.abort();
      return;
  }
}

port.on('message', (request: HostRequest) => void handle(request));
