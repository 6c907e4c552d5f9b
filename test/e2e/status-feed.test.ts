import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RuntimeProcess, startRuntimeProcess } from '../support/runtime.ts';
import { type Frame, TestClient } from '../support/ws-client.ts';

const AGENTS = Array.from({ length: 12 }, (_, i) => `ag${String(i).padStart(2, '0')}`);
const CYCLE = ['available', 'busy', 'away'] as const;

/**
 * The status feed through `npm start` (the feed stream in kinesalite, its consumer, real sockets): a supervisor whose
 * connection drops while agents keep changing reconnects, subscribes again and — snapshot first, then the feed —
 * misses nothing.
 */
describe('status feed end to end', () => {
  let rt: RuntimeProcess;
  const open: TestClient[] = [];
  const connect = async (user: string, role: 'agent' | 'supervisor') => {
    const client = await TestClient.connect(rt.ws, await rt.token({ tenant: 'floor', user, role }));
    open.push(client);
    return client;
  };

  beforeAll(async () => {
    rt = await startRuntimeProcess({ SEED: 'none' });
    const admin = await rt.token({ tenant: 'floor', user: 'ada', role: 'admin' });
    const res = await fetch(`${rt.http}/directory/agents/import`, {
      method: 'POST',
      headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' },
      body: JSON.stringify({ agents: AGENTS.map((agentId) => ({ agentId, displayName: agentId, team: 'blue' })) }),
    });
    expect(res.status).toBe(200);
  });
  afterAll(async () => {
    await Promise.all(open.map((c) => c.close()));
    await rt?.stop();
  });

  it('a supervisor reconnecting mid-stream gets a snapshot plus every change after it, in order per agent', async () => {
    const agents = await Promise.all(AGENTS.map((a) => connect(a, 'agent')));
    let sam = await connect('sam', 'supervisor');
    expect((await sam.request({ action: 'subscribeStatus' })).type).toBe('status-subscribed');

    /** Every change each agent made, in order, with the `since` its reply carried (the change's commit time). */
    const made = new Map<string, Array<{ status: string; since: string }>>(AGENTS.map((a) => [a, []]));
    let round = 0;
    let running = true;
    const changes = (async () => {
      // Every agent changes every ~60 ms, side by side: ≈ 200 changes/s for the whole floor.
      while (running) {
        const status = CYCLE[round % CYCLE.length] as string;
        round++;
        await Promise.all(
          agents.map(async (client, i) => {
            const reply = await client.request({ action: 'setStatus', status }, 10_000);
            expect(reply.type).toBe('status-set');
            made.get(AGENTS[i] as string)?.push({ status, since: String((reply.status as Frame).since) });
          }),
        );
        await new Promise((r) => setTimeout(r, 60));
      }
    })();

    // Mid-stream (the feed flowing, changes going on): the supervisor's connection drops; it reconnects and
    // subscribes again.
    await sam.waitForFeedEvent((e) => e.type === 'status', 30_000);
    await sam.close();
    await new Promise((r) => setTimeout(r, 400));
    sam = await connect('sam', 'supervisor');
    const snapshot = await sam.request({ action: 'subscribeStatus' });
    expect(snapshot.type).toBe('status-subscribed');
    // A few more rounds of changes after the new subscription, however slow this machine is right now.
    const resumedAt = round;
    while (round < resumedAt + 6) await new Promise((r) => setTimeout(r, 50));
    running = false;
    await changes;

    // Everything arrives within a moment of the last change; then the console's view is the truth.
    const finalStatus = new Map(AGENTS.map((a) => [a, made.get(a)?.at(-1)?.status]));
    const view = new Map<string, string>();
    const settle = Date.now() + 10_000;
    const apply = () => {
      view.clear();
      for (const s of snapshot.agents as Frame[]) view.set(String(s.agent), String(s.status));
      for (const e of sam.feedEvents()) if (e.type === 'status') view.set(String(e.agent), String(e.status));
    };
    for (apply(); AGENTS.some((a) => view.get(a) !== finalStatus.get(a)) && Date.now() < settle; apply())
      await new Promise((r) => setTimeout(r, 100));
    for (const agent of AGENTS) expect(view.get(agent), agent).toBe(finalStatus.get(agent));

    // Nothing missed: every change after the snapshot's state of an agent is on the feed, once, in order (the feed
    // may also repeat changes already in the snapshot — harmless, they come before the newer ones).
    const inSnapshot = new Map((snapshot.agents as Frame[]).map((s) => [String(s.agent), String(s.since)]));
    for (const agent of AGENTS) {
      const from = inSnapshot.get(agent) ?? '';
      const onFeed = sam
        .feedEvents()
        .filter((e) => e.type === 'status' && e.agent === agent && String(e.since) > from)
        .map((e) => `${String(e.status)}@${String(e.since)}`);
      const after = (made.get(agent) ?? []).filter((c) => c.since > from).map((c) => `${c.status}@${c.since}`);
      expect(after.length).toBeGreaterThan(3);
      expect(onFeed, agent).toEqual(after);
    }
    // Coalesced: far fewer feed frames than changes reached the supervisor.
    const frames = sam.frames.filter((f) => f.type === 'feed').length;
    expect(frames).toBeLessThan(sam.feedEvents().length);
  }, 90_000);

  it("an agent's change is pushed to its other connections, never echoed to the one that made it", async () => {
    const agent = AGENTS[0] as string;
    const [tabA, tabB] = [await connect(agent, 'agent'), await connect(agent, 'agent')];
    const sue = await connect('sue', 'supervisor');
    expect((await sue.request({ action: 'subscribeStatus' })).type).toBe('status-subscribed');
    const isChange = (status: string) => (f: Frame) => f.type === 'status' && f.agent === agent && f.status === status;

    // The first may find the agent busy already (the test before ends on any status); the second is a change.
    for (const status of ['busy', 'away'])
      expect(await tabA.request({ action: 'setStatus', status })).toMatchObject({ type: 'status-set' });
    await tabB.waitFor(isChange('away'), 10_000);
    await sue.waitForFeedEvent(isChange('away'), 10_000);
    // The other tab has been pushed the change, and pushes to one agent go out together: nothing is on its way to
    // the tab that made it. Its reply carried the change; a `status` frame there would be the echo.
    await new Promise((r) => setTimeout(r, 500));
    expect(tabA.frames.filter((f) => f.type === 'status')).toEqual([]);
    // A change the agent did not make on that tab (a supervisor's) still reaches every tab, the maker's included.
    const supervisor = await rt.token({ tenant: 'floor', user: 'sam', role: 'supervisor' });
    const changed = await fetch(`${rt.http}/agents/${agent}/status`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${supervisor}`, 'content-type': 'application/json' },
      body: JSON.stringify({ status: 'available' }),
    });
    expect(changed.status).toBe(200);
    await Promise.all([tabA, tabB].map((tab) => tab.waitFor(isChange('available'), 10_000)));
  }, 60_000);
});
