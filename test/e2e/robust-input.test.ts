import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { type RuntimeProcess, startRuntimeProcess } from '../support/runtime.ts';

/**
 * The five causes of server errors found by fuzzing the landed code (issue 12), one test each, on `npm start`'s
 * runtime: a hostile Host header, broken percent-encoding in a path parameter, prototype-named query keys on
 * `$connect`, forged cursors, out-of-range report dates. Each was a 500; each must be a 2xx or a 4xx with a code.
 */
const cursor = (key: unknown) => Buffer.from(JSON.stringify(key)).toString('base64url');

function raw(
  base: string,
  path: string,
  headers: Record<string, string>,
): Promise<{ status: number; body: Record<string, unknown> }> {
  const url = new URL(base);
  return new Promise((resolve, reject) => {
    const req = request({ host: url.hostname, port: url.port, path, method: 'GET', setHost: false });
    for (const [k, v] of Object.entries(headers)) req.setHeader(k, v);
    req.on('response', (res) => {
      let text = '';
      res.on('data', (c: Buffer) => {
        text += c.toString();
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text ? JSON.parse(text) : {} }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('inputs that used to cause 500s', () => {
  let rt: RuntimeProcess;
  let sam: string;
  let ada: string;
  let alice: string;
  const host = () => new URL(rt.http).host;

  beforeAll(async () => {
    rt = await startRuntimeProcess({ SEED: 'demo' });
    sam = await rt.token({ tenant: 'demo', user: 'sam', role: 'supervisor', name: 'Sam' });
    ada = await rt.token({ tenant: 'demo', user: 'ada', role: 'admin', name: 'Ada' });
    alice = await rt.token({ tenant: 'demo', user: 'alice', role: 'agent', name: 'Alice' });
  });
  afterAll(async () => {
    await rt?.stop();
  });

  it.each(['a b', '[::1', '@', 'h:99999', '', 'x'.repeat(300)])('serves a request whose Host is %j', async (h) => {
    expect((await raw(rt.http, '/health', { host: h })).status).toBe(200);
    const me = await raw(rt.http, '/me', { host: h, authorization: `Bearer ${alice}` });
    expect(me.status).toBe(200);
    expect(me.body.user).toBe('alice');
  });

  it.each([
    '/messages/%',
    '/directory/agents/%zz',
    '/directory/agents/%C0%AF',
    '/directory/agents/%FF',
    '/agents/%E0%80/workload',
  ])('answers 400 to the undecodable path %s, with or without a token', async (path) => {
    for (const headers of [{}, { authorization: `Bearer ${ada}` }] as Record<string, string>[]) {
      const res = await raw(rt.http, path, { host: host(), ...headers });
      expect(res.status, path).toBe(400);
    }
    // Well-formed encodings still reach the route (a 404 for an unknown agent, not a gateway error).
    const fine = await raw(rt.http, '/directory/agents/no%2Esuch', { host: host(), authorization: `Bearer ${ada}` });
    expect(fine.status).toBe(404);
    expect(fine.body.code).toBe('AGENT_NOT_FOUND');
  });

  it.each(['__proto__=1', 'constructor=1', 'hasOwnProperty=1', 'toString=1', '__proto__=1&__proto__=2'])(
    'accepts a $connect whose query also has %s',
    async (extra) => {
      const socket = new WebSocket(`${rt.ws}/?token=${encodeURIComponent(alice)}&${extra}`);
      const opened = await new Promise<number | 'open'>((resolve) => {
        socket.once('open', () => resolve('open'));
        socket.once('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
        socket.once('error', () => resolve(0));
      });
      expect(opened).toBe('open');
      const reply = new Promise<string>((resolve) => socket.once('message', (d) => resolve(String(d))));
      socket.send(JSON.stringify({ action: 'ping' }));
      expect(JSON.parse(await reply)).toMatchObject({ type: 'pong' });
      socket.close();
    },
  );

  it('refuses every cursor that is not exactly a key of the listing, and follows a genuine one', async () => {
    const get = async (path: string, token: string) => {
      const res = await fetch(`${rt.http}${path}`, { headers: { authorization: `Bearer ${token}` } });
      return { status: res.status, body: (await res.json()) as Record<string, unknown> };
    };
    const sent = await fetch(`${rt.http}/messages`, {
      method: 'POST',
      headers: { authorization: `Bearer ${sam}`, 'content-type': 'application/json' },
      body: JSON.stringify({ text: 'hello', to: { agentIds: ['alice', 'bob'] } }),
    });
    const messageId = ((await sent.json()) as { id: string }).id;

    const agents = 'T#demo#AGENTS';
    const forged = [
      { sk: 'A#alice' }, // no partition key
      { pk: agents }, // no sort key
      { pk: agents, sk: '' }, // empty sort key
      { pk: agents, sk: 'A#alice', extra: 'x' }, // an attribute DynamoDB would refuse
      { pk: agents, sk: 7 }, // wrong type
      { pk: agents, sk: { S: 'A#alice' } },
      { pk: 'T#acme#AGENTS', sk: 'A#alice' }, // another tenant's partition
      { pk: agents, sk: 'x'.repeat(1100) }, // past DynamoDB's key size
      { a: '~'.repeat(3) }, // the status list's shape, with an id no agent can have
      [agents],
      'T#demo#AGENTS',
    ];
    const listings = [
      { path: '/directory/agents', token: ada },
      { path: '/messages', token: sam },
      { path: `/messages/${messageId}`, token: sam },
      { path: '/status/agents', token: sam },
    ];
    for (const { path, token } of listings) {
      for (const key of forged) {
        const res = await get(`${path}?cursor=${cursor(key)}`, token);
        expect(res.status, `${path} ${JSON.stringify(key)}`).toBe(400);
        expect(res.body.code).toBe('BAD_CURSOR');
      }
      for (const junk of ['%%%', 'bm90IGpzb24', '_']) {
        const res = await get(`${path}?cursor=${encodeURIComponent(junk)}`, token);
        expect(res.status, `${path} ${junk}`).toBe(400);
      }
    }

    const first = await get('/directory/agents?limit=2', ada);
    expect(first.status).toBe(200);
    expect(typeof first.body.cursor).toBe('string');
    const second = await get(`/directory/agents?limit=2&cursor=${first.body.cursor}`, ada);
    expect(second.status).toBe(200);
    const ids = [...(first.body.agents as { agentId: string }[]), ...(second.body.agents as { agentId: string }[])];
    expect(ids.map((a) => a.agentId)).toEqual(['alice', 'bob', 'carol', 'dave']);
    const statusPage = await get('/status/agents?limit=1', sam);
    if (typeof statusPage.body.cursor === 'string') {
      expect((await get(`/status/agents?limit=1&cursor=${statusPage.body.cursor}`, sam)).status).toBe(200);
    }
  });

  it.each([
    ['workload', 'from=2026-11-23&to=9999-12-31'],
    ['workload', 'from=0000-01-01&to=0000-01-02'],
    ['workload', 'from=1999-12-31&to=2000-01-01'],
    ['workload', 'from=2099-12-31&to=2100-01-01'],
    ['status-log', 'from=0000-01-01T00:00:00Z&to=0000-01-02T00:00:00Z'],
    ['status-log', 'from=9999-12-30T00:00:00Z&to=9999-12-31T23:59:59Z'],
  ])('refuses %s dates outside 2000–2099 (%s) with a 400', async (report, query) => {
    const res = await fetch(`${rt.http}/agents/alice/${report}?${query}`, {
      headers: { authorization: `Bearer ${sam}` },
    });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { code: string }).code).toBe('VALIDATION_FAILED');
  });

  it('still reports a day inside the range, at most 86,400 s per day', async () => {
    const res = await fetch(`${rt.http}/agents/alice/workload?from=2026-11-23&to=2026-11-24`, {
      headers: { authorization: `Bearer ${sam}` },
    });
    expect(res.status).toBe(200);
    const { days } = (await res.json()) as { days: { seconds: Record<string, number> }[] };
    expect(days).toHaveLength(2);
    for (const day of days) expect(Object.values(day.seconds).reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(86_400);
  });
});
