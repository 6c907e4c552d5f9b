import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AgentStatsCounters, DynamoAgentStatsReader } from '../../functions/adapters/agent-stats-repository.ts';
import { DynamoAlertStore } from '../../functions/adapters/alert-repository.ts';
import { DynamoDirectoryRepository } from '../../functions/adapters/directory-repository.ts';
import { DynamoHeartbeatStore } from '../../functions/adapters/heartbeat-repository.ts';
import { DynamoReportRepository } from '../../functions/adapters/report-repository.ts';
import { DynamoSettingsRepository } from '../../functions/adapters/settings-repository.ts';
import { DynamoReasonStore, DynamoStatusStore } from '../../functions/adapters/status-repository.ts';
import type { DayCounters } from '../../functions/domain/agent-stats.ts';
import type { Alert } from '../../functions/domain/alerts/model.ts';
import { agentDashboard, type DashboardDeps } from '../../functions/domain/dashboard.ts';
import { dashboardQuerySchema } from '../../functions/domain/dashboard-schemas.ts';
import { HEARTBEAT_TIMEOUT_MS, type Heartbeat, newHeartbeatId } from '../../functions/domain/heartbeat-model.ts';
import type { Principal } from '../../functions/domain/principal.ts';
import type { IssueReport } from '../../functions/domain/report-model.ts';
import { ManualClock } from '../support/alerts-memory.ts';
import { startTestDynamo, type TestDynamo } from '../support/dynalite.ts';

/**
 * The dashboard's counters on dynalite: each fact counts once, in the transaction that records it — duplicates,
 * retries and races between two closers never count twice — on the tenant's local day; and the dashboard reads them
 * per agent with BatchGets, per tenant only, filtered by the directory's teams and queues.
 */
// 23:30 UTC: already the next day in Berlin.
const NOW = Date.parse('2026-11-27T23:30:00Z');
const clock = new ManualClock(NOW);
let db: TestDynamo;
let settings: DynamoSettingsRepository;
let counters: AgentStatsCounters;
let alerts: DynamoAlertStore;
let reports: DynamoReportRepository;
let heartbeats: DynamoHeartbeatStore;
let reader: DynamoAgentStatsReader;

const sent: string[] = [];
function counting(real: DynamoDBDocumentClient): DynamoDBDocumentClient {
  return {
    send: (command: { constructor: { name: string } }) => {
      sent.push(command.constructor.name);
      return real.send(command as never);
    },
  } as unknown as DynamoDBDocumentClient;
}

beforeAll(async () => {
  db = await startTestDynamo();
  settings = new DynamoSettingsRepository(db.client, db.table, clock);
  await settings.update('acme', { general: { timeZone: 'Europe/Berlin' } }, 'ada');
  counters = new AgentStatsCounters(db.table, async (t) => (await settings.get(t)).general.timeZone, clock);
  alerts = new DynamoAlertStore(db.client, db.table, clock, counters);
  reports = new DynamoReportRepository(db.client, db.table, clock, counters);
  heartbeats = new DynamoHeartbeatStore(
    db.client,
    db.table,
    new DynamoStatusStore(db.client, db.table, clock),
    clock,
    counters,
  );
  reader = new DynamoAgentStatsReader(db.client, db.table);
});
afterAll(async () => db?.close());

async function day(tenant: string, agent: string, date: string): Promise<DayCounters | undefined> {
  return (await reader.days(tenant, [agent], [date])).get(agent)?.get(date);
}

function alert(agent: string, n: number, rule: Alert['rule'] = 'poorNetwork', tenant = 'acme'): Alert {
  const at = NOW - n * 1000;
  return {
    tenant,
    agent,
    id: `${at}.${rule}.c-${n}`,
    rule,
    contactId: `c-${n}`,
    state: 'active',
    raisedAt: new Date(at).toISOString(),
    breachStartedAt: new Date(at - 15_000).toISOString(),
    threshold: { metric: 'mos', operator: '<', value: 3.5, seconds: 15 },
    evidence: [],
    breaches: 1,
    updatedAt: new Date(at).toISOString(),
    expiresAt: Math.floor(NOW / 1000) + 86_400,
  };
}

const close = (a: Alert, to: 'acknowledged' | 'not-acknowledged') =>
  alerts.close(a.tenant, a.agent, a.id, {
    to,
    by: to === 'acknowledged' ? 'agent' : 'session-end',
    atIso: new Date(clock.now()).toISOString(),
  });

describe('dashboard counters on dynalite', () => {
  it('counts an alert raised once on the local raise day, however often the raise is retried', async () => {
    const a = alert('alice', 1);
    expect(await alerts.raise(a)).toBe(true);
    expect(await alerts.raise(a)).toBe(false);
    expect(await alerts.raise({ ...a, breaches: 3 })).toBe(false);

    // Raised at 23:29:59 UTC, i.e. 00:29:59 on the 28th in Berlin.
    expect((await day('acme', 'alice', '2026-11-28'))?.alerts).toEqual({ poorNetwork: { raised: 1 } });
    expect(await day('acme', 'alice', '2026-11-27')).toBeUndefined();
  });

  it('counts a close once: a repeated acknowledgement or a later clearing adds nothing', async () => {
    const a = alert('bob', 2, 'micBlocked');
    await alerts.raise(a);
    expect((await close(a, 'acknowledged')).won).toBe(true);
    expect((await close(a, 'acknowledged')).won).toBe(false);
    expect((await close(a, 'not-acknowledged')).won).toBe(false);
    const b = alert('bob', 3, 'micBlocked');
    await alerts.raise(b);
    const closed = await close(b, 'not-acknowledged');
    expect(closed).toMatchObject({ won: true, alert: { state: 'not-acknowledged', clearedBy: 'session-end' } });
    expect(await alerts.get('acme', 'bob', b.id)).toMatchObject({ state: 'not-acknowledged' });

    expect((await day('acme', 'bob', '2026-11-28'))?.alerts).toEqual({
      micBlocked: { raised: 2, acknowledged: 1, notAcknowledged: 1 },
    });
  });

  it('counts exactly one outcome when the acknowledgement and the clearing race', async () => {
    for (let n = 10; n < 16; n++) {
      const a = alert('carol', n, 'highCpu');
      await alerts.raise(a);
      const results = await Promise.all([close(a, 'acknowledged'), close(a, 'not-acknowledged')]);
      expect(results.filter((r) => r.won)).toHaveLength(1);
    }
    const c = (await day('acme', 'carol', '2026-11-28'))?.alerts.highCpu ?? {};
    expect(c.raised).toBe(6);
    expect((c.acknowledged ?? 0) + (c.notAcknowledged ?? 0)).toBe(6);
  });

  it('counts a clearing on its alert’s raise day, even after the tenant changed its time zone', async () => {
    const a = alert('dave', 20, 'lowMemory');
    await alerts.raise(a);
    await settings.update('acme', { general: { timeZone: 'Pacific/Honolulu' } }, 'ada');
    clock.ms += 61_000; // past the counters' zone cache
    await close(a, 'acknowledged');
    // In Honolulu the raise would be on the 27th; it stays on the day it was counted when raised.
    expect((await day('acme', 'dave', '2026-11-28'))?.alerts.lowMemory).toEqual({ raised: 1, acknowledged: 1 });
    expect(await day('acme', 'dave', '2026-11-27')).toBeUndefined();
    await settings.update('acme', { general: { timeZone: 'Europe/Berlin' } }, 'ada');
    clock.ms = NOW;
  });

  it('counts a report once by category and severity; a retry of the same id counts nothing', async () => {
    const report = (id: string, category: IssueReport['category']): IssueReport => ({
      tenant: 'acme',
      id,
      agent: 'erin',
      category,
      severity: 'difficult',
      occurredAt: new Date(NOW).toISOString(),
      reportedAt: new Date(NOW).toISOString(),
      queues: [],
      requestHash: id,
      expiresAt: Math.floor(NOW / 1000) + 86_400,
    });
    expect(await reports.create(report('r1', 'missed-call'))).toBeUndefined();
    expect(await reports.create(report('r1', 'missed-call'))).toMatchObject({ id: 'r1' });
    expect(await reports.create(report('r2', 'poor-sound-quality'))).toBeUndefined();

    const d = await day('acme', 'erin', '2026-11-28');
    expect(d?.reportsByCategory).toEqual({ 'missed-call': 1, 'poor-sound-quality': 1 });
    expect(d?.reportsBySeverity).toEqual({ difficult: 2 });
  });

  it('counts a heartbeat result once, on its start day, with the latest result; retries and races add nothing', async () => {
    const start = async (n: number): Promise<Heartbeat> => {
      const at = NOW + n * 1000;
      const h: Heartbeat = {
        tenant: 'acme',
        id: newHeartbeatId(at, `r${n}`),
        agent: 'frank',
        state: 'started',
        startedAt: new Date(at).toISOString(),
        deadline: at + HEARTBEAT_TIMEOUT_MS,
      };
      clock.ms = at;
      expect(await heartbeats.claim(h, at)).toBe(true);
      return h;
    };
    const finishedAt = (ms: number) => new Date(ms).toISOString();
    const passed = await start(1);
    const outcome = { result: 'answered' as const, mos: 4.2 };
    expect(await heartbeats.finish(passed, { state: 'passed', finishedAt: finishedAt(NOW + 5000), outcome })).toEqual({
      won: true,
    });
    // Connect retried the outcome step; the timeout sweep came late.
    expect(
      (await heartbeats.finish(passed, { state: 'passed', finishedAt: finishedAt(NOW + 6000), outcome })).won,
    ).toBe(false);
    expect((await heartbeats.finish(passed, { state: 'timed-out', finishedAt: finishedAt(NOW + 9000) })).won).toBe(
      false,
    );
    // The flow's outcome and the timeout sweep race on the next test: one of them counts.
    const raced = await start(100);
    const results = await Promise.all([
      heartbeats.finish(raced, { state: 'failed', finishedAt: finishedAt(NOW + 200_000), reason: 'no-answer' }),
      heartbeats.finish(raced, { state: 'timed-out', finishedAt: finishedAt(NOW + 200_000), reason: 'no-outcome' }),
    ]);
    expect(results.filter((r) => r.won)).toHaveLength(1);
    clock.ms = NOW;

    const d = await day('acme', 'frank', '2026-11-28');
    expect(d?.heartbeats.passed).toBe(1);
    expect((d?.heartbeats.failed ?? 0) + (d?.heartbeats['timed-out'] ?? 0)).toBe(1);
    expect(d?.lastHeartbeat).toMatchObject({ id: raced.id, finishedAt: finishedAt(NOW + 200_000) });
  });
});

describe('the dashboard on dynalite', () => {
  const acmeAdmin: Principal = { tenant: 'acme', user: 'ada', role: 'admin' };
  const globexAdmin: Principal = { tenant: 'globex', user: 'gus', role: 'admin' };
  let deps: DashboardDeps;

  beforeAll(async () => {
    const directory = new DynamoDirectoryRepository(db.client, db.table, clock);
    const profile = (tenant: string, agentId: string, team: string, queues: string[]) => ({
      tenant,
      agentId,
      displayName: agentId,
      team,
      queues,
      campaigns: [],
      lists: [],
    });
    await directory.putMany([
      profile('acme', 'alice', 'blue', ['sales']),
      profile('acme', 'bob', 'blue', ['support']),
      profile('acme', 'carol', 'red', ['sales']),
      profile('acme', 'erin', 'red', ['support']),
      // The same team name and an agent id of acme's in another tenant: never mixed up.
      profile('globex', 'alice', 'blue', ['sales']),
      profile('globex', 'gus', 'blue', ['sales']),
    ]);
    await alerts.raise(alert('alice', 30, 'highCpu', 'globex'));
    // Every adapter of the read counts its requests.
    const client = counting(db.client);
    deps = {
      directory: new DynamoDirectoryRepository(client, db.table, clock),
      statuses: new DynamoStatusStore(client, db.table, clock),
      reasons: new DynamoReasonStore(client, db.table, clock),
      stats: new DynamoAgentStatsReader(client, db.table),
      settings: new DynamoSettingsRepository(client, db.table, clock),
      clock,
    };
  });

  const page = (principal: Principal, q: Record<string, string>) =>
    agentDashboard(deps, principal, dashboardQuerySchema.parse({ from: '2026-11-22', to: '2026-11-28', ...q }));

  it('shows each agent’s counts of the period in a few requests: no Scan, counter records by BatchGet', async () => {
    sent.length = 0;
    const out = await page(acmeAdmin, {});
    // Settings and the reasons (one item each), the directory page, then statuses and 4 agents × 7 days of counter
    // records in one BatchGet each.
    expect([...sent].sort()).toEqual([
      'BatchGetCommand',
      'BatchGetCommand',
      'GetCommand',
      'GetCommand',
      'QueryCommand',
    ]);
    expect(out.items.map((i) => i.agent)).toEqual(['alice', 'bob', 'carol', 'erin']);
    const alice = out.items[0];
    expect(alice?.alerts).toMatchObject({ raised: 1, active: 1, byType: { poorNetwork: { raised: 1, active: 1 } } });
    expect(out.items[1]?.alerts.byType.micBlocked).toEqual({
      raised: 2,
      acknowledged: 1,
      notAcknowledged: 1,
      active: 0,
    });
    expect(out.items[3]?.reports).toMatchObject({ total: 2, bySeverity: { difficult: 2 } });
    // A period that does not include the 28th shows nothing.
    const before = await page(acmeAdmin, { to: '2026-11-27' });
    expect(before.items.every((i) => i.alerts.raised === 0 && i.reports.total === 0)).toBe(true);
  });

  it('keeps tenants apart: an admin of another tenant sees only its own agents and counts', async () => {
    const out = await page(globexAdmin, {});
    expect(out.items.map((i) => i.agent)).toEqual(['alice', 'gus']);
    // globex's alice has globex's one alert, none of acme's alice's.
    expect(out.items[0]?.alerts.byType).toMatchObject({ highCpu: { raised: 1 }, poorNetwork: { raised: 0 } });
    expect((await page(globexAdmin, { team: 'red' })).items).toEqual([]);
    // A cursor of acme's directory is not accepted on globex's.
    const acmeFirst = await page(acmeAdmin, { limit: '1' });
    await expect(page(globexAdmin, { limit: '1', cursor: acmeFirst.cursor ?? '' })).rejects.toMatchObject({
      statusCode: 400,
      code: 'BAD_CURSOR',
    });
  });

  it('filters by team, queue and both through the directory memberships, and pages over agents', async () => {
    const agents = async (q: Record<string, string>) => (await page(acmeAdmin, q)).items.map((i) => i.agent);
    expect(await agents({ team: 'blue' })).toEqual(['alice', 'bob']);
    expect(await agents({ queue: 'support' })).toEqual(['bob', 'erin']);
    expect(await agents({ team: 'red', queue: 'support' })).toEqual(['erin']);

    const seen: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const out = await page(acmeAdmin, { limit: '3', ...(cursor ? { cursor } : {}) });
      expect(out.items.length).toBeLessThanOrEqual(3);
      seen.push(...out.items.map((i) => i.agent));
      cursor = out.cursor ?? undefined;
      pages++;
    } while (cursor && pages < 10);
    expect(seen).toEqual(['alice', 'bob', 'carol', 'erin']);
    expect(pages).toBe(2);
  });
});
