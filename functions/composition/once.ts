/**
 * The one lazy-singleton idiom of the composition layer: `make` runs on the first call (at a handler's module scope,
 * so a missing variable fails the cold start) and every later call in the execution environment gets the same value.
 *
 * Write every module-scope use as `export const x = /*@__PURE__*\/ once(() => …)`. Creating the singleton has no
 * effect until it is called, and the annotation lets esbuild see that: a function's bundle then keeps only the
 * singletons its handler reaches — and only the SDK clients those build — instead of every adapter of every
 * composition module it imports (the annotation cannot go here: esbuild honours `@__NO_SIDE_EFFECTS__` only within a
 * file). test/infra/bundle.test.ts checks each bundle holds no SDK client its registry access does not need.
 */
export function once<T>(make: () => T): () => T {
  let made = false;
  let value: T;
  return () => {
    if (!made) {
      value = make();
      made = true;
    }
    return value;
  };
}

/**
 * A use case with its dependencies bound, the way a capability's composition module hands use cases to handlers:
 * `export const doIt = /*@__PURE__*\/ wire(doItDeps, doItUseCase)`; a handler calls `doIt()` at module scope (which
 * builds the dependencies, so a missing variable fails the cold start) and then the returned function per request.
 */
export function wire<D, A extends unknown[], R>(
  deps: () => D,
  useCase: (deps: D, ...args: A) => R,
): () => (...args: A) => R {
  return once(() => {
    const built = deps();
    return (...args: A) => useCase(built, ...args);
  });
}
