import { AsyncLocalStorage } from 'node:async_hooks';
import { register } from 'node:module';

/**
 * What a Lambda execution environment gives each function and a thread of the local runtime's function host
 * (lib/local/function-host-worker.ts, where every function runs) does not by itself: its own environment variables
 * and its own module instances.
 *
 * - Environment: `process.env` becomes a view that, inside a function's init or invocation (an AsyncLocalStorage
 *   context that follows every await, timer and callback), shows exactly that function's variables — what the CDK
 *   stack would give it (lib/registry/environment.ts) — and outside it the runtime's own. A variable a function
 *   reads without declaring the access is undefined locally, as in the cloud.
 * - Modules: lib/local/function-isolation-hooks.mjs gives every function its own instance of every project module,
 *   so no state (logger keys, cached adapters, configuration) leaks from one function into another.
 */
export interface FunctionIsolation {
  /**
   * Runs `fn` as the function whose environment is `env` (its init or one invocation). Pass the same object for every
   * run of one function: what it writes into `process.env` stays in its own environment, as in Lambda.
   */
  run<T>(env: Record<string, string | undefined>, fn: () => T): T;
  /** The module URL under which a function loads its entry (its own module graph). */
  moduleUrl(entryUrl: string, functionName: string): string;
}

let installed: FunctionIsolation | undefined;

export function installFunctionIsolation(): FunctionIsolation {
  if (installed) return installed;
  register(new URL('./function-isolation-hooks.mjs', import.meta.url));
  const store = new AsyncLocalStorage<Record<string, string | undefined>>();
  const host = process.env;
  const current = () => store.getStore() ?? host;
  process.env = new Proxy(host, {
    get: (_t, key) => (typeof key === 'string' ? current()[key] : undefined),
    set: (_t, key, value) => {
      if (typeof key === 'string') current()[key] = String(value);
      return true;
    },
    has: (_t, key) => typeof key === 'string' && key in current(),
    deleteProperty: (_t, key) => {
      if (typeof key === 'string') delete current()[key];
      return true;
    },
    ownKeys: () => Reflect.ownKeys(current()),
    getOwnPropertyDescriptor: (_t, key) => {
      const value = typeof key === 'string' ? current()[key] : undefined;
      return value === undefined ? undefined : { value, writable: true, enumerable: true, configurable: true };
    },
  });
  installed = {
    run: (env, fn) => store.run(env, fn),
    moduleUrl: (entryUrl, functionName) => {
      const url = new URL(entryUrl);
      url.searchParams.set('fn', functionName);
      return url.href;
    },
  };
  return installed;
}
