/**
 * Module resolution hook of the local runtime (registered by lib/local/function-isolation.ts). A function's entry is
 * imported as `<entry>?fn=<Name>`; every project module it imports (not node_modules) gets the same `fn` query, so
 * each function has module instances of its own — its own logger, SDK clients, caches and configuration read at
 * init — as it has in its own Lambda execution environment. node_modules stay shared: they hold no function state.
 */
export async function resolve(specifier, context, nextResolve) {
  const resolved = await nextResolve(specifier, context);
  const parent = context.parentURL ? new URL(context.parentURL) : undefined;
  const fn = parent?.searchParams.get('fn');
  if (!fn || !resolved.url.startsWith('file:') || resolved.url.includes('/node_modules/')) return resolved;
  const url = new URL(resolved.url);
  if (url.searchParams.get('fn') === fn) return resolved;
  url.searchParams.set('fn', fn);
  return { ...resolved, url: url.href };
}
