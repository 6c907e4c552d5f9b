import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HANDLERS } from '../../lib/registry/index.ts';
import { type RuntimeProcess, startRuntimeProcess } from '../support/runtime.ts';
import { TestClient } from '../support/ws-client.ts';

/**
 * Every REST route of the registry, called the wrong way by every role: no token, malformed JSON, wrong shapes,
 * unknown ids. Each answer must be a 4xx with a machine-readable `code` and a `message` — never a 500 for a caller's
 * mistake — and nothing must crash the runtime.
 */
const routes = HANDLERS.flatMap((h) => (h.trigger.kind === 'http' ? [{ name: h.name, ...h.trigger }] : []));
const BAD_BODIES: Array<[string, string]> = [
  ['malformed JSON', '{"to": {"teams": ["blue"]'],
  ['a JSON array', '[1, 2, 3]'],
  [
    'wrong types',
    JSON.stringify({
      text: 42,
      to: 'everyone',
      status: { nested: true },
      agents: 'x',
      general: 7,
      decision: 1,
      instanceArn: 3,
    }),
  ],
  ['an empty object', '{}'],
];

describe('bad input on every REST route', () => {
  let rt: RuntimeProcess;
  const tokens: Record<string, string> = {};

  beforeAll(async () => {
    rt = await startRuntimeProcess({ SEED: 'none' });
    for (const role of ['agent', 'supervisor', 'admin'] as const)
      tokens[role] = await rt.token({ tenant: 'acme', user: `${role}-1`, role });
  });
  afterAll(async () => {
    await rt?.stop();
  });

  const call = (method: string, path: string, token: string | undefined, body?: string) =>
    fetch(`${rt.http}${path.replace(/\{(\w+)\}/g, 'no-such-$1')}`, {
      method,
      headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), 'content-type': 'application/json' },
      ...(body !== undefined && method !== 'GET' && method !== 'DELETE' ? { body } : {}),
    });

  it('refuses every authenticated route without a token (401)', async () => {
    for (const r of routes.filter((r) => r.auth === 'jwt')) {
      const res = await call(r.method, r.path, undefined);
      expect(res.status, `${r.method} ${r.path}`).toBe(401);
    }
  });

  it.each(BAD_BODIES)('answers %s with a 4xx and a code, for every route and role', async (_label, body) => {
    const failures: string[] = [];
    for (const r of routes) {
      for (const role of ['agent', 'supervisor', 'admin']) {
        const res = await call(r.method, r.path, tokens[role], body);
        const text = await res.text();
        const parsed = text ? (JSON.parse(text) as { code?: unknown; message?: unknown }) : {};
        const ok =
          res.status < 500 &&
          (res.status < 400 || (typeof parsed.code === 'string' && typeof parsed.message === 'string'));
        if (!ok) failures.push(`${role} ${r.method} ${r.path} → ${res.status} ${text.slice(0, 120)}`);
      }
    }
    expect(failures).toEqual([]);
  });

  it('answers wrong frames on every WebSocket action with error frames, never an internal error', async () => {
    const actions = HANDLERS.flatMap((h) =>
      h.trigger.kind === 'ws' && !h.trigger.route.startsWith('$') ? [h.trigger.route] : [],
    );
    const failures: string[] = [];
    for (const role of ['agent', 'supervisor', 'admin'] as const) {
      const client = await TestClient.connect(rt.ws, tokens[role]);
      for (const action of actions) {
        for (const extra of [{}, { text: 7, to: [], status: {}, agent: 9, since: 5, messageIds: 'x', all: 'yes' }]) {
          const reply = await client.request({ action, ...extra });
          const ok =
            reply.type !== undefined &&
            (reply.type !== 'error' || (Number(reply.status) < 500 && typeof reply.code === 'string'));
          if (!ok) failures.push(`${role} ${action} ${JSON.stringify(extra)} → ${JSON.stringify(reply).slice(0, 120)}`);
        }
      }
      await client.close();
    }
    expect(failures).toEqual([]);
  });

  it('still serves after all of that', async () => {
    expect((await fetch(`${rt.http}/health`)).status).toBe(200);
  });
});
