/**
 * Builds a module-level value now, exactly as writing `make()` would — and, written as
 * `export const x = /*@__PURE__*\/ pure(() => …)`, lets esbuild drop the whole construction from a function's bundle
 * that never uses `x`. zod 4 builds every schema eagerly (each `.optional()`, `.min()`, … a new object with its
 * methods bound per instance), tens of µs each at a cold start, and a function imports whole schema modules of which
 * it parses with a few; esbuild cannot tell that `z.object({ a: z.string() })` is free of side effects, and an
 * annotation on the outer call alone still keeps the calls in its arguments. Wrapped, the arguments are one arrow
 * function, which has none. A function that uses `x` builds it at init as before: nothing moves to the first request.
 * (Like `once` in composition/once.ts, the annotation goes at the call site: esbuild honours `@__NO_SIDE_EFFECTS__`
 * only within a file.)
 */
export function pure<T>(make: () => T): T {
  return make();
}
