import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AgentStatsCounters } from '../../functions/adapters/agent-stats-repository.ts';
import { DynamoAlertStore } from '../../functions/adapters/alert-repository.ts';
import { DynamoStatusStore } from '../../functions/adapters/status-store.ts';
import { DynamoTelemetryStateStore } from '../../functions/adapters/telemetry-state-repository.ts';
import type { Alert } from '../../functions/domain/alerts/model.ts';
import { emptyState } from '../../functions/domain/alerts/rules.ts';
import type { AgentStatus } from '../../functions/domain/status.ts';
import { ManualClock } from '../support/alerts-memory.ts';
import { startTestDynamo, type TestDynamo } from '../support/dynalite.ts';

const NOW = Date.parse('2026-03-02T10:00:00Z');
const clock = new ManualClock(NOW);
let db: TestDynamo;
let store: DynamoAlertStore;

beforeAll(async () => {
  db = await startTestDynamo();
  store = new DynamoAlertStore(db.client, db.table, clock);
});
afterAll(async () => {
  await db?.close();
});

function alert(tenant: string, agent: string, minutesAgo: number, extra: Partial<Alert> = {}): Alert {
  const at = NOW - minutesAgo * 60_000;
  const id = `${at}.poorNetwork.c-${agent}-${minutesAgo}`;
  return {
    tenant,
    agent,
    id,
    rule: 'poorNetwork',
    contactId: `c-${agent}-${minutesAgo}`,
    team: 'blue',
    state: 'active',
    raisedAt: new Date(at).toISOString(),
    breachStartedAt: new Date(at - 15_000).toISOString(),
    threshold: { metric: 'mos', operator: '<', value: 3.5, seconds: 15 },
    evidence: [{ t: at, at: new Date(at).toISOString(), mos: 3.1 }],
    breaches: 1,
    updatedAt: new Date(at).toISOString(),
    expiresAt: Math.floor(NOW / 1000) + 86_400,
    ...extra,
  };
}

describe('alert repository on dynalite', () => {
  it('raises once per id and maps every field back', async () => {
    const a = alert('acme', 'alice', 5);
    expect(await store.raise(a)).toBe(true);
    expect(await store.raise({ ...a, breaches: 9 })).toBe(false);
    expect(await store.get('acme', 'alice', a.id)).toEqual(a);
    expect(await store.get('globex', 'alice', a.id)).toBeUndefined();
  });

  it('closes conditionally: the first close wins, later ones see the result', async () => {
    const a = alert('acme', 'alice', 6);
    await store.raise(a);
    const at = new Date(NOW).toISOString();
    const first = await store.close('acme', 'alice', a.id, {
      to: 'acknowledged',
      by: 'agent',
      atIso: at,
      user: 'alice',
    });
    const second = await store.close('acme', 'alice', a.id, { to: 'not-acknowledged', by: 'next-contact', atIso: at });
    expect(first).toMatchObject({
      won: true,
      alert: { state: 'acknowledged', acknowledgedBy: 'alice', acknowledgedAt: at },
    });
    expect(second).toMatchObject({ won: false, alert: { state: 'acknowledged' } });
    expect(await store.close('acme', 'alice', 'nope', { to: 'acknowledged', by: 'agent', atIso: at })).toEqual({
      won: false,
      alert: undefined,
    });
  });

  it('adds later evidence, capped at 60 points, and counts each breach once', async () => {
    const a = alert('acme', 'alice', 7);
    await store.raise(a);
    const points = Array.from({ length: 70 }, (_, i) => ({ t: i, mos: 3 }));
    const later = new Date(Date.parse(a.raisedAt) + 60_000).toISOString();
    const at = new Date(NOW).toISOString();
    const updated = await store.addEvidence('acme', 'alice', a.id, { startedAt: later, evidence: points }, at);
    expect(updated?.breaches).toBe(2);
    expect(updated?.latestBreachStartedAt).toBe(later);
    expect(updated?.evidence).toHaveLength(60);
    expect(updated?.evidence.at(-1)).toEqual({ t: 69, mos: 3 });
    // A retried batch replays the same breach, or an older one: nothing is counted or added again.
    const extra = [{ t: 99, mos: 2 }];
    expect(await store.addEvidence('acme', 'alice', a.id, { startedAt: later, evidence: extra }, at)).toBeUndefined();
    expect(
      await store.addEvidence('acme', 'alice', a.id, { startedAt: a.breachStartedAt, evidence: extra }, at),
    ).toBeUndefined();
    expect(await store.get('acme', 'alice', a.id)).toEqual(updated);
    // The next breach counts.
    const third = new Date(Date.parse(later) + 30_000).toISOString();
    expect((await store.addEvidence('acme', 'alice', a.id, { startedAt: third, evidence: extra }, at))?.breaches).toBe(
      3,
    );
  });

  it('queries by agent, team, tenant, period and state with paginated Queries, never across tenants', async () => {
    for (let m = 100; m < 110; m++)
      await store.raise(alert('q', m % 2 ? 'amy' : 'ben', m, m % 2 ? {} : { team: 'red' }));
    await store.raise(alert('q', 'amy', 300)); // outside the period below
    await store.raise(alert('q-other', 'amy', 101));
    await store.raise(alert('q', 'amy', 102, { state: 'acknowledged', id: 'x', contactId: 'cx' }));
    const period = { from: new Date(NOW - 120 * 60_000).toISOString(), to: new Date(NOW).toISOString(), limit: 50 };

    const byAgent = await store.query('q', { ...period, agent: 'amy' });
    expect(byAgent.items.map((a) => a.agent)).toEqual(Array(5).fill('amy'));
    expect(byAgent.items.map((a) => a.raisedAt)).toEqual([...byAgent.items.map((a) => a.raisedAt)].sort().reverse());

    expect((await store.query('q', { ...period, team: 'red' })).items.map((a) => a.agent)).toEqual(
      Array(5).fill('ben'),
    );
    expect((await store.query('q', period)).items).toHaveLength(10);
    expect((await store.query('q', { ...period, state: 'acknowledged' })).items).toHaveLength(0);

    // Pages of 4 cover the 10 alerts exactly once.
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await store.query('q', { ...period, limit: 4, ...(cursor ? { cursor } : {}) });
      seen.push(...page.items.map((a) => a.id));
      cursor = page.cursor;
    } while (cursor);
    expect(new Set(seen).size).toBe(10);
    expect(seen).toHaveLength(10);

    // A cursor of one tenant's listing is refused for another's.
    const first = await store.query('q', { ...period, limit: 2 });
    await expect(store.query('q-other', { ...period, limit: 2, cursor: first.cursor })).rejects.toMatchObject({
      statusCode: 400,
    });
  });

  it('hides expired alerts (dynalite has no TTL deletion, DynamoDB deletes lazily)', async () => {
    await store.raise(alert('ttl', 'amy', 1, { expiresAt: Math.floor(NOW / 1000) - 1 }));
    const period = { from: new Date(NOW - 3_600_000).toISOString(), to: new Date(NOW).toISOString(), limit: 50 };
    expect((await store.query('ttl', period)).items).toEqual([]);
    expect(await store.listForAgent('ttl', 'amy', period.from)).toEqual([]);
  });
});

describe('telemetry state store on dynalite', () => {
  it('writes conditionally on the version it read', async () => {
    const states = new DynamoTelemetryStateStore(db.client, db.table, clock);
    const state = { ...emptyState(), contactId: 'c-1', lastT: 5, breaches: { poorNetwork: { since: 3 } } };
    expect(await states.save('acme', 'alice', state)).toBe(true);
    // A second writer that read version 0 too loses.
    expect(await states.save('acme', 'alice', state)).toBe(false);
    const read = (await states.readAgents('acme', ['alice', 'bob'])).get('alice');
    expect(read).toEqual({ state: { ...state, version: 1 } });
    expect(await states.save('acme', 'alice', { ...state, version: 1, lastT: 9 })).toBe(true);
    expect((await states.readAgents('globex', ['alice'])).size).toBe(0);
  });

  it("reads the agents' status records and states in one request, each under its own agent", async () => {
    const sent: string[] = [];
    const counting = {
      send: (command: { constructor: { name: string } }) => {
        sent.push(command.constructor.name);
        return db.client.send(command as never);
      },
    } as unknown as typeof db.client;
    const states = new DynamoTelemetryStateStore(counting, db.table, clock);
    const statuses = new DynamoStatusStore(db.client, db.table, clock);
    const status = (agent: string): AgentStatus => ({
      tenant: 'both',
      agent,
      status: 'in-call',
      since: '2026-03-02T09:00:00.000Z',
      source: 'connect',
      contacts: 1,
      currentContact: { contactId: `c-${agent}`, channel: 'VOICE', state: 'CONNECTED' },
      queues: [],
      version: 1,
      team: 'blue',
    });
    await statuses.commit(status('ann'), 0);
    await statuses.commit(status('ben'), 0);
    await statuses.commit({ ...status('ann'), tenant: 'other' }, 0);
    expect(await states.save('both', 'ben', { ...emptyState(), contactId: 'c-ben' })).toBe(true);
    sent.length = 0;

    const read = await states.readAgents('both', ['ann', 'ben', 'cy', 'ann']);

    expect(sent).toEqual(['BatchGetCommand']);
    expect([...read.keys()].sort()).toEqual(['ann', 'ben']);
    expect(read.get('ann')).toEqual({ status: await statuses.get('both', 'ann') });
    expect(read.get('ben')?.status).toEqual(await statuses.get('both', 'ben'));
    expect(read.get('ben')?.state).toEqual({ ...emptyState(), contactId: 'c-ben', version: 1 });
    // 60 agents: 120 keys, two requests of at most 100.
    sent.length = 0;
    await states.readAgents(
      'both',
      Array.from({ length: 60 }, (_, i) => `a${i}`),
    );
    expect(sent).toEqual(['BatchGetCommand', 'BatchGetCommand']);
  });

  it('reads an expired state as none, at its version, so that the next save holds', async () => {
    const states = new DynamoTelemetryStateStore(db.client, db.table, clock);
    expect(
      await states.save('ttl', 'old', { ...emptyState(), contactId: 'c-1', breaches: { highCpu: { since: 1 } } }),
    ).toBe(true);
    // Two days later, before DynamoDB's lazy TTL deletion.
    const later = new DynamoTelemetryStateStore(db.client, db.table, new ManualClock(NOW + 2 * 86_400_000));
    const stored = (await later.readAgents('ttl', ['old'])).get('old')?.state;
    expect(stored).toEqual({ ...emptyState(), version: 1 });
    expect(await later.save('ttl', 'old', { ...(stored ?? emptyState()), contactId: 'c-2' })).toBe(true);
  });

  it('raises an alert only while the guarded state is at the version the raise was evaluated from', async () => {
    const states = new DynamoTelemetryStateStore(db.client, db.table, clock);
    const counted = new DynamoAlertStore(
      db.client,
      db.table,
      clock,
      new AgentStatsCounters(db.table, async () => 'UTC', clock),
    );
    for (const alerts of [store, counted]) {
      const agent = alerts === store ? 'guarded' : 'guarded-counted';
      expect(await states.save('acme', agent, { ...emptyState(), contactId: 'c-1' })).toBe(true);
      // Another processor moved the state to version 1: a raise evaluated from version 0 writes nothing.
      const stale = alert('acme', agent, 3);
      expect(await alerts.raise(stale, { stateVersion: 0 })).toBe(false);
      expect(await alerts.get('acme', agent, stale.id)).toBeUndefined();
      expect(await alerts.raise(stale, { stateVersion: 1 })).toBe(true);
      expect(await alerts.raise(stale, { stateVersion: 1 })).toBe(false);
    }
    // None stored: version 0 holds.
    expect(await store.raise(alert('acme', 'fresh', 3), { stateVersion: 0 })).toBe(true);
  });
});
