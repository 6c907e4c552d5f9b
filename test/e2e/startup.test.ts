import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { type RuntimeProcess, startRuntimeProcess } from '../support/runtime.ts';

/**
 * Issue 7, point 7: a request that arrives while `npm start` is still loading its functions (a health poller, a
 * widget reconnecting during a restart) gets 503 with Retry-After — and never leaves a half-loaded route table behind.
 */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

function upgradeStatus(url: string): Promise<number | 'open' | 'error'> {
  const socket = new WebSocket(url);
  return new Promise((resolve) => {
    socket.once('open', () => {
      socket.terminate();
      resolve('open');
    });
    socket.once('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
    socket.once('error', () => resolve('error'));
  });
}

describe('start-up', () => {
  it('answers 503 with Retry-After until every function is loaded, then serves every route', async () => {
    const [port, wsPort] = [await freePort(), await freePort()];
    const seen: Array<{ status: number; retryAfter: string | null }> = [];
    const upgrades: Array<number | 'open' | 'error'> = [];
    let polling = true;
    // Poll /health from before the process exists: the first answer is the gateway's very first.
    const poller = (async () => {
      while (polling) {
        try {
          const res = await fetch(`http://127.0.0.1:${port}/health`);
          seen.push({ status: res.status, retryAfter: res.headers.get('retry-after') });
          await res.body?.cancel();
          if (res.status === 503 && upgrades.length === 0) {
            // The WebSocket gateway starts listening a moment after the HTTP one.
            const status = await upgradeStatus(`ws://127.0.0.1:${wsPort}/?token=x`);
            if (status !== 'error') upgrades.push(status);
          }
        } catch {
          // not listening yet
        }
        await new Promise((resolve) => setTimeout(resolve, 2));
      }
    })();
    let rt: RuntimeProcess | undefined;
    try {
      // SEED=demo: the seeding itself goes through the REST API once the runtime reports ready.
      rt = await startRuntimeProcess({ SEED: 'demo', PORT: String(port), WS_PORT: String(wsPort) });
      polling = false;
      await poller;

      expect(rt.output()).not.toMatch(/Seeding .* failed/);
      // Every answer was a 503 with Retry-After until the first 200, and a 200 ever after.
      const firstOk = seen.findIndex((s) => s.status === 200);
      expect(firstOk).toBeGreaterThanOrEqual(0);
      for (const s of seen.slice(0, firstOk)) expect(s).toEqual({ status: 503, retryAfter: '1' });
      for (const s of seen.slice(firstOk)) expect(s.status).toBe(200);
      // The gateways listened before the functions loaded, and said so (this is what the test is about).
      expect(firstOk).toBeGreaterThan(0);
      expect(upgrades).toEqual([503]);

      // The route table is complete: authenticated routes and the WebSocket work.
      const admin = await rt.token({ tenant: 'demo', user: 'ada', role: 'admin' });
      const auth = { authorization: `Bearer ${admin}` };
      expect((await fetch(`${rt.http}/me`, { headers: auth })).status).toBe(200);
      const agents = await fetch(`${rt.http}/directory/agents`, { headers: auth });
      expect(agents.status).toBe(200);
      expect(((await agents.json()) as { agents: unknown[] }).agents).toHaveLength(4);
      expect((await fetch(`${rt.http}/status/reasons`, { headers: auth })).status).toBe(200);
      expect(await upgradeStatus(`${rt.ws}/?token=${admin}`)).toBe('open');
    } finally {
      polling = false;
      await poller;
      await rt?.stop();
    }
  }, 90_000);
});
