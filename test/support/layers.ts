import type { ImportEdge } from './import-graph.ts';

/**
 * The import direction of `functions/`: handlers → composition → domain ← adapters, with `shared/` usable by every
 * layer but the domain.
 *
 * - domain       imports only domain files, and of packages only `zod` and Node built-ins (no AWS SDK, Powertools,
 *                middy or Lambda types — not even as types): pure rules, entities, use cases and ports.
 * - shared       cross-cutting helpers (auth, env, HTTP/WebSocket middleware, validation, logging): imports shared and
 *                domain (the errors and principal the middleware maps), never adapters, composition or handlers.
 * - adapters     implement domain ports with AWS: import domain, shared and adapters; never composition or handlers.
 * - composition  wires ports to adapters per use case: imports composition, adapters, domain and shared; never
 *                handlers.
 * - handlers     thin entries: import composition, shared, and domain *types* only (`import type`) — the use case
 *                itself, wired, comes from composition; never adapters.
 * - no file of functions/ imports anything outside functions/ (the CDK stack bundles functions/ only).
 */
export type Layer = 'handlers' | 'composition' | 'domain' | 'adapters' | 'shared';

const LAYERS: readonly Layer[] = ['handlers', 'composition', 'domain', 'adapters', 'shared'];

export function layerOf(path: string): Layer | 'outside' {
  const [top, layer] = path.split('/');
  return top === 'functions' && LAYERS.includes(layer as Layer) ? (layer as Layer) : 'outside';
}

const MAY_IMPORT: Record<Layer, { values: readonly Layer[]; types: readonly Layer[] }> = {
  domain: { values: ['domain'], types: ['domain'] },
  shared: { values: ['shared', 'domain'], types: ['shared', 'domain'] },
  adapters: { values: ['adapters', 'domain', 'shared'], types: ['adapters', 'domain', 'shared'] },
  composition: {
    values: ['composition', 'adapters', 'domain', 'shared'],
    types: ['composition', 'adapters', 'domain', 'shared'],
  },
  handlers: { values: ['composition', 'shared'], types: ['composition', 'shared', 'domain'] },
};

/** Packages the domain may use: validation and Node's own modules, nothing that talks to AWS or knows Lambda. */
const DOMAIN_PACKAGES = (specifier: string) => specifier === 'zod' || specifier.startsWith('node:');

export interface Violation {
  readonly from: string;
  /** The imported file, or the package for a package import. */
  readonly to: string;
  readonly rule: string;
}

/** Every import of the graph that breaks the direction above; one entry per file pair (or file and package). */
export function layerViolations(edges: readonly ImportEdge[]): Violation[] {
  const found = new Map<string, Violation>();
  const add = (v: Violation) => found.set(`${v.from} -> ${v.to}`, v);
  for (const edge of edges) {
    const from = layerOf(edge.from);
    if (from === 'outside') continue;
    if (edge.to === undefined) {
      if (from === 'domain' && !DOMAIN_PACKAGES(edge.specifier)) {
        add({ from: edge.from, to: edge.specifier, rule: 'the domain imports no package but zod and node:*' });
      }
      continue;
    }
    const to = layerOf(edge.to);
    if (to === 'outside') {
      add({ from: edge.from, to: edge.to, rule: 'functions/ imports nothing outside functions/' });
      continue;
    }
    const allowed = edge.typeOnly ? MAY_IMPORT[from].types : MAY_IMPORT[from].values;
    if (!allowed.includes(to)) {
      add({ from: edge.from, to: edge.to, rule: `${from} may import ${allowed.join(', ')} only` });
    }
  }
  return [...found.values()].sort((a, b) => (a.from + a.to < b.from + b.to ? -1 : 1));
}
