import { describe, expect, it } from 'vitest';
import {
  type AgentStatsReader,
  counterName,
  type DayCounters,
  decodeDayCounters,
  localDate,
} from '../../functions/domain/agent-stats.ts';
import { agentDashboard, type DashboardDeps, periodDays, summarise } from '../../functions/domain/dashboard.ts';
import { dashboardQuerySchema } from '../../functions/domain/dashboard-schemas.ts';
import type { AgentProfile } from '../../functions/domain/directory.ts';
import type { Principal } from '../../functions/domain/principal.ts';
import { DEFAULT_SETTINGS } from '../../functions/domain/settings.ts';
import type { AgentStatus } from '../../functions/domain/status.ts';

const empty: DayCounters = { alerts: {}, reportsByCategory: {}, reportsBySeverity: {}, heartbeats: {} };

describe('dashboard aggregation', () => {
  it('sums the period’s days only, per alert type and acknowledgement, with what is still active', () => {
    // Prepare
    const byDay = new Map<string, DayCounters>([
      [
        '2026-11-01',
        {
          ...empty,
          alerts: { poorNetwork: { raised: 3, acknowledged: 1, notAcknowledged: 1 }, micBlocked: { raised: 1 } },
        },
      ],
      ['2026-11-02', { ...empty, alerts: { poorNetwork: { raised: 2, acknowledged: 2 } } }],
      // Outside the period: never counted.
      ['2026-11-05', { ...empty, alerts: { highCpu: { raised: 9 } } }],
    ]);

    // Act
    const s = summarise(['2026-11-01', '2026-11-02', '2026-11-03'], byDay);

    // Assess
    expect(s.alerts).toMatchObject({ raised: 6, acknowledged: 3, notAcknowledged: 1, active: 2 });
    expect(s.alerts.byType.poorNetwork).toEqual({ raised: 5, acknowledged: 3, notAcknowledged: 1, active: 1 });
    expect(s.alerts.byType.micBlocked).toEqual({ raised: 1, acknowledged: 0, notAcknowledged: 0, active: 1 });
    expect(s.alerts.byType.highCpu).toEqual({ raised: 0, acknowledged: 0, notAcknowledged: 0, active: 0 });
    expect(s.alerts.byType.lowMemory.raised).toBe(0);
  });

  it('counts reports by every category and severity (zeros included) and their total', () => {
    const byDay = new Map<string, DayCounters>([
      [
        '2026-11-01',
        {
          ...empty,
          reportsByCategory: { 'poor-sound-quality': 2, 'missed-call': 1 },
          reportsBySeverity: { minor: 2, terrible: 1 },
        },
      ],
      ['2026-11-02', { ...empty, reportsByCategory: { 'missed-call': 1 }, reportsBySeverity: { minor: 1 } }],
    ]);

    const s = summarise(['2026-11-01', '2026-11-02'], byDay);

    expect(s.reports.total).toBe(4);
    expect(s.reports.byCategory).toEqual({
      'softphone-not-working': 0,
      'poor-sound-quality': 2,
      'conversation-delay': 0,
      'call-disconnected': 0,
      'customer-could-not-hear-me': 0,
      'could-not-hear-customer': 0,
      'missed-call': 2,
      'something-else': 0,
    });
    expect(s.reports.bySeverity).toEqual({ terrible: 1, difficult: 0, minor: 3 });
  });

  it('gives heartbeat totals, a pass rate without cancelled calls, the per-day trend and the latest result', () => {
    const last = (id: string, finishedAt: string, state: 'passed' | 'failed') => ({
      id,
      state,
      startedAt: finishedAt,
      finishedAt,
    });
    const byDay = new Map<string, DayCounters>([
      [
        '2026-11-01',
        {
          ...empty,
          heartbeats: { passed: 2, failed: 1, cancelled: 4 },
          lastHeartbeat: last('b', '2026-11-01T18:00:00.000Z', 'failed'),
        },
      ],
      [
        '2026-11-03',
        {
          ...empty,
          heartbeats: { passed: 1, 'timed-out': 1, degraded: 1 },
          lastHeartbeat: last('c', '2026-11-03T09:00:00.000Z', 'passed'),
        },
      ],
    ]);

    const s = summarise(['2026-11-01', '2026-11-02', '2026-11-03'], byDay);

    expect(s.heartbeats).toMatchObject({ passed: 3, degraded: 1, failed: 1, timedOut: 1, cancelled: 4 });
    expect(s.heartbeats.passRate).toBe(0.5);
    expect(s.heartbeats.last).toMatchObject({ id: 'c', state: 'passed' });
    expect(s.heartbeats.days).toEqual([
      { date: '2026-11-01', passed: 2, degraded: 0, failed: 1, timedOut: 0, cancelled: 4 },
      { date: '2026-11-02', passed: 0, degraded: 0, failed: 0, timedOut: 0, cancelled: 0 },
      { date: '2026-11-03', passed: 1, degraded: 1, failed: 0, timedOut: 1, cancelled: 0 },
    ]);
    expect(summarise(['2026-11-02'], byDay).heartbeats).toMatchObject({ passRate: null, last: null });
  });

  it('reads stored records defensively: junk and negative counters are 0, unknown names ignored', () => {
    const decoded = decodeDayCounters({
      [counterName.alert('micBlocked', 'raised')]: 2,
      [counterName.alert('highCpu', 'raised')]: -3,
      [counterName.reportCategory('missed-call')]: 'x',
      [counterName.reportSeverity('minor')]: 1,
      [counterName.heartbeat('timed-out')]: 1,
      'al.flying.raised': 7,
      hbLast: { id: 'x', state: 'weird', startedAt: 'a', finishedAt: 'b' },
    });
    expect(decoded).toEqual({
      alerts: { micBlocked: { raised: 2 } },
      reportsByCategory: {},
      reportsBySeverity: { minor: 1 },
      heartbeats: { 'timed-out': 1 },
    });
  });
});

describe('dashboard periods', () => {
  it('lists the local dates of a period across month ends', () => {
    expect(periodDays('2026-02-27', '2026-03-02')).toEqual(['2026-02-27', '2026-02-28', '2026-03-01', '2026-03-02']);
    expect(periodDays('2026-11-01', '2026-11-01')).toEqual(['2026-11-01']);
    expect(periodDays('2026-01-01', '2026-01-31')).toHaveLength(31);
  });

  it('refuses a reversed period (BAD_RANGE) and one longer than 31 days (RANGE_TOO_LONG)', () => {
    expect(() => periodDays('2026-11-02', '2026-11-01')).toThrow(expect.objectContaining({ code: 'BAD_RANGE' }));
    expect(() => periodDays('2026-01-01', '2026-02-01')).toThrow(
      expect.objectContaining({ code: 'RANGE_TOO_LONG', statusCode: 400 }),
    );
  });

  it('buckets an instant on the local date of the tenant’s zone', () => {
    const t = Date.parse('2026-11-27T23:30:00Z');
    expect(localDate(t, 'UTC')).toBe('2026-11-27');
    expect(localDate(t, 'Europe/Berlin')).toBe('2026-11-28');
    expect(localDate(Date.parse('2026-11-28T05:00:00Z'), 'America/Los_Angeles')).toBe('2026-11-27');
  });

  it('validates the query: dates, limits, unknown parameters', () => {
    const parse = (q: Record<string, string>) => dashboardQuerySchema.safeParse(q).success;
    expect(parse({ from: '2026-11-01', to: '2026-11-07', team: 'blue', queue: 'sales', limit: '50' })).toBe(true);
    expect(parse({ from: '2026-11-31' })).toBe(false);
    expect(parse({ from: '1999-12-31' })).toBe(false);
    expect(parse({ to: '2026-11-01T00:00:00Z' })).toBe(false);
    expect(parse({ limit: '51' })).toBe(false);
    expect(parse({ limit: '0' })).toBe(false);
    expect(parse({ team: '' })).toBe(false);
    expect(parse({ agent: 'alice' })).toBe(false);
  });
});

describe('dashboard use case with in-memory ports', () => {
  const profile = (agentId: string, team: string | undefined, queues: string[]): AgentProfile => ({
    tenant: 'acme',
    agentId,
    displayName: agentId.toUpperCase(),
    ...(team ? { team } : {}),
    queues,
    campaigns: [],
    lists: [],
    addedAt: '2026-01-01T00:00:00.000Z',
  });
  const PROFILES = [
    profile('alice', 'blue', ['sales']),
    profile('bob', 'blue', ['support']),
    profile('carol', 'red', ['sales']),
  ];
  const asked: Array<{ agents: readonly string[]; days: readonly string[] }> = [];
  const stats: AgentStatsReader = {
    days: async (_tenant, agents, days) => {
      asked.push({ agents, days });
      return new Map([
        [
          'alice',
          new Map([
            [days[0] ?? '', { ...empty, reportsByCategory: { 'missed-call': 1 }, reportsBySeverity: { minor: 1 } }],
          ]),
        ],
      ]);
    },
  };
  const status: AgentStatus = {
    tenant: 'acme',
    agent: 'alice',
    status: 'available',
    since: '2026-11-27T08:00:00.000Z',
    source: 'agent',
    contacts: 0,
    queues: [],
    version: 1,
  };
  const deps: DashboardDeps = {
    directory: {
      listAgents: async () => ({ items: PROFILES }),
      listMembers: async (_t, kind, value) => ({
        agentIds: PROFILES.filter((p) => (kind === 'team' ? p.team === value : p.queues.includes(value))).map(
          (p) => p.agentId,
        ),
      }),
      getMany: async (_t, ids) => PROFILES.filter((p) => ids.includes(p.agentId)),
    },
    statuses: { getMany: async () => new Map([['alice', status]]) },
    reasons: { list: async () => [] },
    stats,
    settings: {
      get: async () => ({ ...DEFAULT_SETTINGS, general: { ...DEFAULT_SETTINGS.general, timeZone: 'Asia/Tokyo' } }),
    },
    // 2026-11-27 20:00 UTC is already the 28th in Tokyo.
    clock: { now: () => Date.parse('2026-11-27T20:00:00Z') },
  };
  const admin: Principal = { tenant: 'acme', user: 'ada', role: 'admin' };

  it('defaults to the last 7 local days up to today in the tenant zone, and shows current statuses', async () => {
    asked.length = 0;
    const page = await agentDashboard(deps, admin, dashboardQuerySchema.parse({}));
    expect(page).toMatchObject({ timeZone: 'Asia/Tokyo', from: '2026-11-22', to: '2026-11-28', cursor: null });
    expect(page.days).toHaveLength(7);
    expect(page.items.map((i) => [i.agent, i.status.code])).toEqual([
      ['alice', 'available'],
      ['bob', 'offline'],
      ['carol', 'offline'],
    ]);
    expect(page.items[0]).toMatchObject({ displayName: 'ALICE', team: 'blue', reports: { total: 1 } });
    expect(asked).toEqual([{ agents: ['alice', 'bob', 'carol'], days: page.days }]);
  });

  it('filters by team, by queue, and by both (members of the team serving the queue)', async () => {
    const agents = async (q: Record<string, string>) =>
      (await agentDashboard(deps, admin, dashboardQuerySchema.parse(q))).items.map((i) => i.agent);
    expect(await agents({ team: 'blue' })).toEqual(['alice', 'bob']);
    expect(await agents({ queue: 'sales' })).toEqual(['alice', 'carol']);
    expect(await agents({ team: 'blue', queue: 'sales' })).toEqual(['alice']);
    expect(await agents({ team: 'green' })).toEqual([]);
  });

  it('is for admins only: supervisors and agents get 403', async () => {
    for (const role of ['supervisor', 'agent'] as const)
      await expect(agentDashboard(deps, { ...admin, role }, dashboardQuerySchema.parse({}))).rejects.toMatchObject({
        statusCode: 403,
      });
  });
});
