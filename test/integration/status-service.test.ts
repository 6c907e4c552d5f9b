import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { AppError } from '../../functions/domain/errors.ts';
import { removeConnectionSubscriptions, startMonitor, subscribeStatus } from '../../functions/domain/monitoring.ts';
import type { Principal } from '../../functions/domain/principal.ts';
import { listAgents } from '../../functions/domain/status-list.ts';
import {
  decideRequest,
  getAgentStatus,
  recordActivity,
  setOwnStatus,
  supervisorSetStatus,
  sweepInactive,
} from '../../functions/domain/status-service.ts';
import { runSweeper } from '../../functions/domain/status-sweeper.ts';
import { codeOf, type Harness, startStatusDynamo, statusHarness } from '../support/status-dynalite.ts';

let db: Awaited<ReturnType<typeof startStatusDynamo>>;
let h: Harness;
let n = 0;
let tenant: string;
let agent: Principal;
let agent2: Principal;
let sup1: Principal;
let sup2: Principal;

beforeAll(async () => {
  db = await startStatusDynamo();
});
afterAll(async () => {
  await db.close();
});
beforeEach(() => {
  // A fresh tenant per test: the tests share one dynalite.
  tenant = `t${++n}`;
  h = statusHarness(db.client, db.table);
  agent = { tenant, user: 'a1', role: 'agent' };
  agent2 = { tenant, user: 'a2', role: 'agent' };
  sup1 = { tenant, user: 's1', role: 'supervisor' };
  sup2 = { tenant, user: 's2', role: 'supervisor' };
});

describe('agents set their own status', () => {
  it('applies a default status, logs it, starts a session and pushes it to the agent', async () => {
    await h.connect(agent, 'conn-a1');
    const outcome = await setOwnStatus(h.deps, agent, 'available');
    expect(outcome).toMatchObject({ kind: 'applied', record: { status: 'available', source: 'agent', by: 'a1' } });
    const frames = h.gateway.received('conn-a1');
    expect(frames).toEqual([
      expect.objectContaining({ type: 'status', agent: 'a1', status: 'available', previous: 'offline' }),
    ]);
    const log = await h.deps.store.readLog(tenant, 'a1', '2026-01-01', '2027-01-01');
    expect(log).toEqual([expect.objectContaining({ from: 'offline', to: 'available', source: 'agent' })]);
    const sessions = await h.deps.store.listSessions(tenant, 'a1', '2026-01-01', '2027-01-01');
    expect(sessions).toHaveLength(1);
  });

  it('refuses automatic statuses and unknown reasons', async () => {
    expect((await codeOf(setOwnStatus(h.deps, agent, 'in-call'))).code).toBe('AUTOMATIC_STATUS');
    expect((await codeOf(setOwnStatus(h.deps, agent, 'reason:nope'))).code).toBe('UNKNOWN_REASON');
  });
});

describe('approval requests', () => {
  async function pendingLunch() {
    await h.reasons.change(tenant, (reasons) => [
      ...reasons,
      { id: 'lunch', name: 'Lunch', needsApproval: true, retired: false },
    ]);
    await setOwnStatus(h.deps, agent, 'available');
    for (const s of [sup1, sup2]) await recordActivity(h.deps, s);
    await h.connect(sup1, 'conn-s1');
    await h.connect(sup2, 'conn-s2');
    await h.connect(agent, 'conn-a1');
    const outcome = await setOwnStatus(h.deps, agent, 'reason:lunch');
    if (outcome.kind !== 'requested') throw new Error('expected a request');
    return outcome.request;
  }

  it('goes live to every supervisor; of two concurrent decisions exactly one wins, the other gets 409 with the winner', async () => {
    const request = await pendingLunch();
    for (const c of ['conn-s1', 'conn-s2'])
      expect(h.gateway.received(c)).toContainEqual(
        expect.objectContaining({ type: 'status-request', requestId: request.id, state: 'pending', agent: 'a1' }),
      );
    expect((await getAgentStatus(h.deps, agent, 'a1')).pendingRequest).toBe(request.id);

    const results = await Promise.allSettled([
      decideRequest(h.deps, sup1, request.id, 'accept'),
      decideRequest(h.deps, sup2, request.id, 'reject'),
    ]);
    const won = results.filter((r) => r.status === 'fulfilled');
    const lost = results.filter((r) => r.status === 'rejected');
    expect(won).toHaveLength(1);
    expect(lost).toHaveLength(1);
    const winner = won[0]!.value.request.decidedBy;
    const error = lost[0]!.reason as AppError;
    expect(error.statusCode).toBe(409);
    expect(error.code).toBe('REQUEST_ALREADY_DECIDED');
    expect(error.details).toMatchObject({ decidedBy: winner });
    expect(error.message).toContain(winner);

    const final = await getAgentStatus(h.deps, agent, 'a1');
    const accepted = won[0]!.value.request.state === 'accepted';
    expect(final.status).toBe(accepted ? 'reason:lunch' : 'available');
    expect(final.pendingRequest).toBeUndefined();
    // The agent is told the outcome live.
    expect(h.gateway.received('conn-a1')).toContainEqual(
      expect.objectContaining({
        type: 'status-request',
        requestId: request.id,
        state: accepted ? 'accepted' : 'rejected',
        decidedBy: winner,
      }),
    );
  });

  it('a later decision on a request the agent superseded is refused', async () => {
    const request = await pendingLunch();
    await setOwnStatus(h.deps, agent, 'busy');
    const refusal = await codeOf(decideRequest(h.deps, sup1, request.id, 'accept'));
    expect(refusal).toMatchObject({ status: 409, details: { state: 'cancelled', decidedBy: 'a1' } });
    expect((await getAgentStatus(h.deps, agent, 'a1')).status).toBe('busy');
  });
});

describe('supervisors change statuses', () => {
  it('refuses with 409 when the agent is Offline', async () => {
    const refusal = await codeOf(supervisorSetStatus(h.deps, sup1, 'a1', 'busy'));
    expect(refusal).toMatchObject({ status: 409, code: 'AGENT_OFFLINE' });
  });

  it('changes an online agent, who sees it live', async () => {
    await h.connect(agent, 'conn-a1');
    await setOwnStatus(h.deps, agent, 'available');
    h.gateway.clear();
    const record = await supervisorSetStatus(h.deps, sup1, 'a1', 'away');
    expect(record).toMatchObject({ status: 'away', source: 'supervisor', by: 's1' });
    expect(h.gateway.received('conn-a1')).toEqual([
      expect.objectContaining({ type: 'status', status: 'away', source: 'supervisor', by: 's1' }),
    ]);
  });
});

describe('role checks and tenant isolation', () => {
  it('an agent cannot list, change others, read others, subscribe or monitor', async () => {
    const deps = { ...h.deps, directory: h.directory };
    expect((await codeOf(listAgents(deps, agent, { limit: 10 }))).status).toBe(403);
    expect((await codeOf(supervisorSetStatus(h.deps, agent, 'a2', 'busy'))).status).toBe(403);
    expect((await codeOf(getAgentStatus(h.deps, agent, 'a2'))).status).toBe(403);
    const subDeps = { subscriptions: h.subscriptions, clock: h.clock, directory: h.directory };
    expect((await codeOf(subscribeStatus(subDeps, agent, 'conn-a1', h.tokenExp()))).status).toBe(403);
    expect((await codeOf(startMonitor(subDeps, agent, 'conn-a1', 'a2', h.tokenExp()))).status).toBe(403);
    expect((await codeOf(setOwnStatus(h.deps, sup1, 'busy'))).status).toBe(403);
  });

  it("a supervisor sees only its own tenant's agents", async () => {
    for (const t of [tenant, `${tenant}x`])
      await h.directory.put({ tenant: t, agentId: 'a1', displayName: 'A1', queues: [], campaigns: [], lists: [] });
    await setOwnStatus(h.deps, agent, 'available');
    await setOwnStatus(h.deps, { tenant: `${tenant}x`, user: 'a1', role: 'agent' }, 'busy');
    const page = await listAgents({ ...h.deps, directory: h.directory }, sup1, { limit: 10 });
    expect(page.items.map((r) => [r.tenant, r.agent, r.status])).toEqual([[tenant, 'a1', 'available']]);
    const other = await getAgentStatus(h.deps, { ...sup1, tenant: `${tenant}y` }, 'a1');
    expect(other.status).toBe('offline');
  });
});

describe('auto-Offline', () => {
  it('sets a silent agent Offline within a minute after the window, and leaves an active one alone', async () => {
    await h.connect(agent, 'conn-a1');
    await setOwnStatus(h.deps, agent, 'available');
    await setOwnStatus(h.deps, agent2, 'available');
    expect(await recordActivity(h.deps, agent)).toBe(true);
    expect(await recordActivity(h.deps, agent2)).toBe(true);
    // Pings within 5 s cost no write (the conditional write refuses it).
    h.clock.advance(3_000);
    expect(await recordActivity(h.deps, agent)).toBe(false);

    // a2 keeps pinging every 20 s; a1 goes silent. (The sweep is global: other tests' tenants may be due too, so
    // assertions look at this tenant's agents.)
    const statusOf = async (p: Principal) => (await getAgentStatus(h.deps, p, p.user)).status;
    for (let t = 0; t < 3; t++) {
      h.clock.advance(20_000);
      await recordActivity(h.deps, agent2);
      await sweepInactive(h.deps);
      expect(await statusOf(agent)).toBe('available');
    }
    // 78 s after a1's last write: past window (60 s) + write interval (5 s).
    h.clock.advance(15_000);
    await sweepInactive(h.deps);
    const a1 = await getAgentStatus(h.deps, agent, 'a1');
    expect(a1).toMatchObject({ status: 'offline', source: 'system' });
    expect((await getAgentStatus(h.deps, agent2, 'a2')).status).toBe('available');
    expect(h.events).toContainEqual(
      expect.objectContaining({ type: 'agent-session-ended', agent: 'a1', source: 'system' }),
    );
    // The presence left the index: a second sweep finds nobody left to set Offline.
    expect((await sweepInactive(h.deps)).setOffline).toBe(0);
  });

  it('a sweeper run sets an agent Offline within one step of the deadline, not at the next minute', async () => {
    await setOwnStatus(h.deps, agent, 'available');
    await setOwnStatus(h.deps, agent2, 'available');
    await recordActivity(h.deps, agent);
    await recordActivity(h.deps, agent2);
    const deadline = h.clock.now() + 60_000 + 5_000;
    // The minute's invocation starts 30 s after a1's last sign of life; a2 keeps pinging every 20 s meanwhile.
    h.clock.advance(30_000);
    let lastPing = h.clock.now();
    let offlineSeenAt: number | undefined;
    const result = await runSweeper(h.deps, {
      runForMs: 120_000,
      stepMs: 2_000,
      remainingMs: () => 130_000,
      sleep: async (ms) => {
        if (offlineSeenAt === undefined && (await getAgentStatus(h.deps, agent, 'a1')).status === 'offline')
          offlineSeenAt = h.clock.now();
        h.clock.advance(ms);
        if (h.clock.now() - lastPing >= 20_000) {
          lastPing = h.clock.now();
          await recordActivity(h.deps, agent2);
        }
      },
    });
    expect(result.sweeps).toBe(61); // at 0, 2, …, 120 s
    expect(offlineSeenAt).toBeDefined();
    expect(offlineSeenAt! - deadline).toBeLessThanOrEqual(2_000);
    const a1 = await getAgentStatus(h.deps, agent, 'a1');
    expect(a1).toMatchObject({ status: 'offline', source: 'system' });
    expect(Date.parse(a1.since) - deadline).toBeLessThanOrEqual(2_000);
    expect((await getAgentStatus(h.deps, agent2, 'a2')).status).toBe('available');
  });

  it('a sweeper run ends early when its invocation has no time left (Lambda timeout, local shutdown)', async () => {
    const sleeps: number[] = [];
    const result = await runSweeper(h.deps, {
      runForMs: 120_000,
      stepMs: 2_000,
      remainingMs: () => (sleeps.length < 3 ? 60_000 : 0),
      sleep: async (ms) => {
        sleeps.push(ms);
        h.clock.advance(ms);
      },
    });
    expect(result.sweeps).toBe(4);
  });

  it('uses the tenant inactivity window', async () => {
    h.settings.set(tenant, {
      general: { timeZone: 'UTC' },
      messaging: { cleardownHour: 3, maxTextLength: 2000 },
      status: { inactivityWindowSeconds: 300, logRetentionDays: 30 },
    } as never);
    await setOwnStatus(h.deps, agent, 'available');
    await recordActivity(h.deps, agent);
    h.clock.advance(120_000);
    await sweepInactive(h.deps);
    expect((await getAgentStatus(h.deps, agent, 'a1')).status).toBe('available');
    h.clock.advance(200_000);
    await sweepInactive(h.deps);
    expect((await getAgentStatus(h.deps, agent, 'a1')).status).toBe('offline');
  });
});

describe('live supervision', () => {
  const inDirectory = (agentId: string) =>
    h.directory.put({ tenant, agentId, displayName: agentId, queues: [], campaigns: [], lists: [] });

  it("the feed gets every change; a silent monitor mirrors what the agent receives; the agent's frames reveal nothing", async () => {
    await inDirectory('a1');
    await h.connect(agent, 'conn-a1');
    await h.connect(sup1, 'conn-s1');
    await h.connect(sup2, 'conn-s2');
    const subDeps = { subscriptions: h.subscriptions, clock: h.clock, directory: h.directory };
    await subscribeStatus(subDeps, sup1, 'conn-s1', h.tokenExp());
    await startMonitor(subDeps, sup2, 'conn-s2', 'a1', h.tokenExp());

    await setOwnStatus(h.deps, agent, 'available');
    await h.deps.notifier.toUser(tenant, 'a1', { type: 'message', text: 'Smile on the phone' });
    await setOwnStatus(h.deps, agent2, 'busy');

    const agentFrames = h.gateway.received('conn-a1');
    expect(agentFrames.map((f) => f.type)).toEqual(['status', 'message']);
    const serialized = JSON.stringify(agentFrames);
    for (const leak of ['monitor', 's2', 'conn-s2', 'subscri']) expect(serialized).not.toContain(leak);

    // The feed's frames carry batches (here each change is a batch of its own: the harness delivers at once).
    expect(h.gateway.received('conn-s1')).toEqual([
      { type: 'feed', events: [expect.objectContaining({ type: 'status', agent: 'a1', status: 'available' })] },
      { type: 'feed', events: [expect.objectContaining({ type: 'status', agent: 'a2', status: 'busy' })] },
    ]);
    expect(h.gateway.received('conn-s2')).toEqual([
      { type: 'monitor', agent: 'a1', event: expect.objectContaining({ type: 'status', status: 'available' }) },
      { type: 'monitor', agent: 'a1', event: { type: 'message', text: 'Smile on the phone' } },
    ]);
  });

  it('subscriptions die with the connection: on $disconnect and on 410', async () => {
    await inDirectory('a1');
    const subDeps = { subscriptions: h.subscriptions, clock: h.clock, directory: h.directory };
    await subscribeStatus(subDeps, sup1, 'conn-s1', h.tokenExp());
    await startMonitor(subDeps, sup1, 'conn-s1', 'a1', h.tokenExp());
    await startMonitor(subDeps, sup2, 'conn-s2', 'a1', h.tokenExp());
    await removeConnectionSubscriptions(subDeps, sup1, 'conn-s1');
    expect(await h.subscriptions.feed(tenant)).toEqual([]);
    expect((await h.subscriptions.monitors(tenant)).map((s) => s.connectionId)).toEqual(['conn-s2']);

    h.gateway.gone.add('conn-s2');
    await h.deps.notifier.toUser(tenant, 'a1', { type: 'message', text: 'hi' });
    expect(await h.subscriptions.monitors(tenant)).toEqual([]);
  });

  it('monitors agents of the directory only: a supervisor, an admin or an unknown id is 404', async () => {
    await inDirectory('a1');
    const admin: Principal = { tenant, user: 'ada', role: 'admin' };
    const subDeps = { subscriptions: h.subscriptions, clock: h.clock, directory: h.directory };
    for (const target of ['s2', 'ada', 'nobody']) {
      expect(await codeOf(startMonitor(subDeps, sup1, 'conn-s1', target, h.tokenExp()))).toMatchObject({
        status: 404,
        code: 'AGENT_NOT_FOUND',
      });
    }
    // The same id in another tenant's directory does not count either.
    await h.directory.put({
      tenant: `${tenant}x`,
      agentId: 'a9',
      displayName: 'x',
      queues: [],
      campaigns: [],
      lists: [],
    });
    expect((await codeOf(startMonitor(subDeps, sup1, 'conn-s1', 'a9', h.tokenExp()))).status).toBe(404);
    expect(await h.subscriptions.monitors(tenant)).toEqual([]);

    // So nothing a supervisor or an admin receives (receipts, message statuses) can reach another supervisor.
    await h.connect(sup2, 'conn-s2');
    await h.connect(sup1, 'conn-s1');
    await h.deps.notifier.toUsers(tenant, ['s2', 'ada'], { type: 'receipt', receipts: [] });
    expect(h.gateway.received('conn-s1')).toEqual([]);
    await startMonitor(subDeps, admin, 'conn-ad', 'a1', h.tokenExp());
    expect((await h.subscriptions.monitors(tenant)).map((m) => m.agent)).toEqual(['a1']);
  });

  it('feed and monitor subscriptions expire with the token of the connection that made them', async () => {
    await inDirectory('a1');
    await h.connect(agent, 'conn-a1');
    const subDeps = { subscriptions: h.subscriptions, clock: h.clock, directory: h.directory };
    const exp = Math.floor(h.clock.now() / 1000) + 2;
    await subscribeStatus(subDeps, sup1, 'conn-s1', exp);
    await startMonitor(subDeps, sup2, 'conn-s2', 'a1', exp);
    await setOwnStatus(h.deps, agent, 'available');
    expect(h.gateway.received('conn-s1')).toHaveLength(1);
    expect(h.gateway.received('conn-s2')).toHaveLength(1);

    // Past the token's expiry but within the subscription cache's 5 s: nothing more is delivered.
    h.clock.advance(3_000);
    await setOwnStatus(h.deps, agent, 'busy');
    await h.deps.notifier.toUser(tenant, 'a1', { type: 'message', text: 'hi' });
    expect(h.gateway.received('conn-s1')).toHaveLength(1);
    expect(h.gateway.received('conn-s2')).toHaveLength(1);
    expect(await h.subscriptions.feed(tenant)).toEqual([]);
    expect(await h.subscriptions.monitors(tenant)).toEqual([]);
  });
});
