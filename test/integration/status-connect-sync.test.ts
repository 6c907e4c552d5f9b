import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyAgentEvent } from '../../functions/domain/agent-event-processor.ts';
import { agentEventSchema } from '../../functions/domain/agent-events.ts';
import type { Principal } from '../../functions/domain/principal.ts';
import {
  type ConnectStatusClient,
  drainConnectSync,
  type SyncDeps,
} from '../../functions/domain/status-connect-sync.ts';
import { setOwnStatus } from '../../functions/domain/status-service.ts';
import { type Harness, startStatusDynamo, statusHarness } from '../support/status-dynalite.ts';
import { FakeSyncTargets } from '../support/status-fakes.ts';

const INSTANCE = 'arn:aws:connect:eu-west-2:111122223333:instance/11111111-2222-3333-4444-777777777777';

let db: Awaited<ReturnType<typeof startStatusDynamo>>;
beforeAll(async () => {
  db = await startStatusDynamo();
});
afterAll(async () => {
  await db.close();
});

/** A Connect that answers 429 on chosen calls and records when each call happened (fake clock). */
class FakeConnect implements ConnectStatusClient {
  readonly calls: Array<{ at: number; instanceArn: string; userId: string; statusId: string; outcome: string }> = [];
  constructor(
    private readonly now: () => number,
    private readonly throttleCalls: ReadonlySet<number>,
  ) {}
  async putUserStatus(instanceArn: string, userId: string, statusId: string) {
    const outcome = this.throttleCalls.has(this.calls.length + 1) ? 'throttled' : 'ok';
    this.calls.push({ at: this.now(), instanceArn, userId, statusId, outcome });
    return outcome as 'ok' | 'throttled';
  }
}

function syncDeps(h: Harness, client: ConnectStatusClient): SyncDeps {
  return {
    queue: h.syncQueue,
    client,
    reasons: h.reasons,
    targets: new FakeSyncTargets(h.directory, h.bindings),
    clock: h.clock,
    sleep: async () => {},
  };
}

describe('PutUserStatus queue', () => {
  it('sends every status at most 2 per second, retries 429s without dropping, never echoes Connect statuses', async () => {
    // Prepare: 8 agents change status; Connect throttles the 3rd and 4th calls.
    const h = statusHarness(db.client, db.table, { connect: true });
    const tenant = 'tsync';
    await h.bindConnect(tenant, INSTANCE, {
      available: 'st-avail',
      busy: 'st-busy',
      away: 'st-away',
      offline: 'st-off',
    });
    const agents: Principal[] = Array.from({ length: 8 }, (_, i) => ({
      tenant,
      user: `a${i}`,
      role: 'agent' as const,
    }));
    for (const a of agents) {
      await h.directory.syncFromConnect(tenant, a.user, { queues: [], connectUserId: `u-${a.user}` });
      await setOwnStatus(h.deps, a, 'available');
      h.clock.advance(10);
    }
    // a0 changes again before the worker runs: only its newest status is sent.
    await setOwnStatus(h.deps, agents[0]!, 'busy');
    const connect = new FakeConnect(() => h.clock.now(), new Set([3, 4]));
    const sleep = async (ms: number) => h.clock.advance(ms);

    // Act
    const report = await drainConnectSync(
      { ...syncDeps(h, connect), sleep },
      { owner: 'run-1', instanceArn: INSTANCE, budgetMs: 50_000 },
    );

    // Assess
    expect(report).toMatchObject({ sent: 8, throttled: 2, failed: 0, skipped: 0, leased: true });
    const ok = connect.calls.filter((c) => c.outcome === 'ok');
    expect(new Set(ok.map((c) => c.userId)).size).toBe(8);
    expect(ok.find((c) => c.userId === 'u-a0')?.statusId).toBe('st-busy');
    expect(connect.calls.some((c) => c.userId === 'u-a0' && c.statusId === 'st-avail')).toBe(false);
    // Pacing: at least 500 ms between any two calls, so never more than 2 in any second.
    for (let i = 1; i < connect.calls.length; i++)
      expect(connect.calls[i]!.at - connect.calls[i - 1]!.at).toBeGreaterThanOrEqual(500);
    for (const c of connect.calls)
      expect(connect.calls.filter((d) => d.at >= c.at && d.at < c.at + 1000).length).toBeLessThanOrEqual(2);
    expect(connect.calls.every((c) => c.instanceArn === INSTANCE)).toBe(true);
    expect(await h.syncQueue.pending(INSTANCE, Number.MAX_SAFE_INTEGER, 100)).toEqual([]);
  });

  it('statuses that came from Connect are never queued back to it', async () => {
    const h = statusHarness(db.client, db.table, { connect: true });
    const echo = INSTANCE.replace('7777', '9999');
    await h.bindConnect('techo', echo, { available: 'st-avail' });
    const event = agentEventSchema.parse({
      AgentARN: `${echo}/agent/u-e1`,
      EventId: 'x1',
      EventTimestamp: '2026-11-20T09:00:00Z',
      EventType: 'LOGIN',
      InstanceARN: echo,
      CurrentAgentSnapshot: {
        AgentStatus: { Type: 'ROUTABLE', Name: 'Available' },
        Configuration: { Username: 'e1' },
        Contacts: [],
      },
    });
    expect(await applyAgentEvent(h.deps, event, new Map())).toBe('applied');
    expect(await h.syncQueue.pending(echo, Number.MAX_SAFE_INTEGER, 100)).toEqual([]);
    // …while the agent's own change is queued, for the tenant's instance, and its worker started.
    await setOwnStatus(h.deps, { tenant: 'techo', user: 'e1', role: 'agent' }, 'away');
    const after = await h.syncQueue.pending(echo, Number.MAX_SAFE_INTEGER, 100);
    expect(after.map((q) => [q.tenant, q.status])).toEqual([['techo', 'away']]);
    expect(h.kicks).toEqual([echo]);
  });

  it('a second worker cannot run while one holds the lease', async () => {
    const h = statusHarness(db.client, db.table, { connect: true });
    const lease = INSTANCE.replace('7777', '1234');
    expect(await h.syncQueue.acquireLease(lease, 'w1', h.clock.now(), 60_000)).toBe(true);
    const connect = new FakeConnect(() => h.clock.now(), new Set());
    const report = await drainConnectSync(syncDeps(h, connect), { owner: 'w2', instanceArn: lease });
    expect(report.leased).toBe(false);
    // The lease is per instance: another instance's worker runs meanwhile.
    const other = await drainConnectSync(syncDeps(h, connect), { owner: 'w3', instanceArn: `${lease.slice(0, -1)}0` });
    expect(other.leased).toBe(true);
    await h.syncQueue.releaseLease(lease, 'w1');
  });
});
