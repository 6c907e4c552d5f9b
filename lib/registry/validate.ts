import type { HandlerDefinition } from './types.ts';

/** Fails the synth on registry mistakes that CloudFormation would only report halfway through a deploy. */
export function validateHandlers(handlers: readonly HandlerDefinition[]): void {
  const problems: string[] = [];
  const names = new Set<string>();
  const wsRoutes = new Set<string>();
  const httpRoutes = new Set<string>();
  for (const h of handlers) {
    if (!/^[A-Z][A-Za-z0-9]*$/.test(h.name)) problems.push(`${h.name}: name must be PascalCase`);
    if (names.has(h.name)) problems.push(`${h.name}: duplicate name`);
    names.add(h.name);
    const t = h.trigger;
    if (t.kind === 'ws') {
      if (wsRoutes.has(t.route)) problems.push(`${h.name}: duplicate WebSocket route ${t.route}`);
      wsRoutes.add(t.route);
    }
    if (t.kind === 'http') {
      const key = `${t.method} ${t.path}`;
      if (httpRoutes.has(key)) problems.push(`${h.name}: duplicate HTTP route ${key}`);
      httpRoutes.add(key);
    }
  }
  for (const h of handlers) {
    for (const target of [...(h.access.invokes ?? []), ...(h.access.schedulesTargets ?? [])]) {
      if (!names.has(target)) problems.push(`${h.name}: no registry function named ${target}`);
    }
    if (h.access.manageConnections && wsRoutes.size === 0) {
      problems.push(`${h.name}: manageConnections without any WebSocket route`);
    }
  }
  const authorizers = handlers.filter((h) => h.trigger.kind === 'ws-authorizer');
  if (authorizers.length > 1) problems.push('more than one ws-authorizer');
  if (authorizers.length === 1 && !wsRoutes.has('$connect')) problems.push('a ws-authorizer needs a $connect route');
  if (problems.length > 0) throw new Error(`Invalid handler registry:\n  - ${problems.join('\n  - ')}`);
}
