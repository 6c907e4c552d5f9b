import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RuntimeProcess, startRuntimeProcess } from '../support/runtime.ts';
import { TestClient } from '../support/ws-client.ts';

/**
 * Auto-Offline through `npm start`: the deploy-time `rate(1 minute)` schedule runs in the Scheduler emulator and sets a
 * silent agent Offline, while an agent that pings stays. Real time (about a minute): the runtime has no fake clock.
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
    await Promise.all(open.map((c) => c.close()));
    await rt?.stop();
  });

  it('sets a silent agent Offline within about a minute and leaves a pinging one alone', {
    timeout: 150_000,
  }, async () => {
    const connect = async (user: string, role: 'agent' | 'supervisor') => {
      const client = await TestClient.connect(rt.ws, await rt.token({ tenant: 'acme', user, role }));
      open.push(client);
      return client;
    };
    const sam = await connect('sam', 'supervisor');
    await sam.request({ action: 'subscribeStatus' });
    const quiet = await connect('quiet', 'agent');
    const lively = await connect('lively', 'agent');
    expect((await quiet.request({ action: 'setStatus', status: 'available' })).type).toBe('status-set');
    expect((await lively.request({ action: 'setStatus', status: 'available' })).type).toBe('status-set');
    const keepAlive = setInterval(() => lively.send({ action: 'ping' }), 5_000);
    try {
      const started = Date.now();
      const offline = await sam.waitFor(
        (f) => f.type === 'status' && f.agent === 'quiet' && f.status === 'offline',
        140_000,
      );
      expect(offline.source).toBe('system');
      // The window is 30 s; the sweep runs every minute: it happens within about 30 s + one minute.
      expect(Date.now() - started).toBeLessThan(140_000);
      expect(sam.frames.some((f) => f.type === 'status' && f.agent === 'lively' && f.status === 'offline')).toBe(false);
    } finally {
      clearInterval(keepAlive);
    }
  });
});
