/**
 * The one lazy-singleton idiom of the composition layer: `make` runs on the first call (at a handler's module scope,
 * so a missing variable fails the cold start) and every later call in the execution environment gets the same value.
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
