import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeSockets, openSocket } from '../support/e2e.ts';
import { type RuntimeProcess, startRuntimeProcess } from '../support/runtime.ts';
import type { TestClient } from '../support/ws-client.ts';

/**
 * Auto-Offline through `npm start`: the deploy-time `rate(1 minute)` schedule runs in the Scheduler emulator; each run
 * sweeps every 2 s for two minutes and sets a silent agent Offline, while an agent that pings stays. Real time (about
 * two minutes): the runtime has no fake clock.
 */
describe('auto-Offline end to end', () => {
  let rt: RuntimeProcess;
  const open: TestClient[] = [];

  beforeAll(async () => {
    rt = await startRuntimeProcess({ SEED: 'none' });
    const admin = await rt.token({ tenant: 'acme', user: 'ada', role: 'admin' });
    const res = await fetch(`${rt.http}/settings`, {
      method: 'PATCH',
      headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' },
      body: JSON.stringify({ status: { inactivityWindowSeconds: 30 } }),
    });
    expect(res.status).toBe(200);
  });
  afterAll(async () => {
    await closeSockets(open);
    await rt?.stop();
  });

  it('sets a silent agent Offline within seconds of the window and leaves a pinging one alone', {
    timeout: 200_000,
  }, async () => {
    const connect = async (user: string, role: 'agent' | 'supervisor') =>
      openSocket(open, rt.ws, await rt.token({ tenant: 'acme', user, role }));
    const sam = await connect('sam', 'supervisor');
    await sam.request({ action: 'subscribeStatus' });
    const quiet = await connect('quiet', 'agent');
    const lively = await connect('lively', 'agent');
    expect((await quiet.request({ action: 'setStatus', status: 'available' })).type).toBe('status-set');
    expect((await lively.request({ action: 'setStatus', status: 'available' })).type).toBe('status-set');
    const keepAlive = setInterval(() => lively.send({ action: 'ping' }), 5_000);
    const offline = (after: number) =>
      sam.waitForFeedEvent(
        (f) =>
          f.type === 'status' && f.agent === 'quiet' && f.status === 'offline' && Date.parse(String(f.since)) > after,
        140_000,
      );
    try {
      // The first run of the minute schedule starts a minute after `npm start`: the first Offline may wait for it.
      const first = await offline(0);
      expect(first.source).toBe('system');

      // From then on a sweeper is always running: the agent comes back, falls silent, and is Offline within the
      // window (30 s) + the write interval (5 s) + one sweep step (2 s) — plus this machine's slack, nowhere near the
      // up to two minutes of a once-a-minute sweep.
      const back = await quiet.request({ action: 'setStatus', status: 'available' });
      expect(back.type).toBe('status-set');
      const lastActivity = Date.now();
      const second = await offline(Date.parse(String(first.since)));
      const late = Date.parse(String(second.since)) - lastActivity;
      expect(late).toBeGreaterThanOrEqual(30_000);
      expect(late).toBeLessThan(30_000 + 5_000 + 2_000 + 5_000);
      expect(sam.feedEvents().some((f) => f.type === 'status' && f.agent === 'lively' && f.status === 'offline')).toBe(
        false,
      );
    } finally {
      clearInterval(keepAlive);
    }
  });
});
