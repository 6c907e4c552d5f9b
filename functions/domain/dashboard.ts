import {
  type AgentStatsReader,
  ALERT_OUTCOMES,
  type AlertOutcome,
  type DayCounters,
  HEARTBEAT_RESULTS,
  type HeartbeatResult,
  type LastHeartbeat,
  localDate,
} from './agent-stats.ts';
import { RULE_IDS, type RuleId } from './alerts/schemas.ts';
import type { Clock } from './clock.ts';
import type { DashboardQuery } from './dashboard-schemas.ts';
import type { AgentDirectory, AgentProfile } from './directory.ts';
import { BadRequestError } from './errors.ts';
import type { Principal } from './principal.ts';
import { requireRole } from './principal.ts';
import { REPORT_CATEGORIES, REPORT_SEVERITIES, type ReportCategory, type ReportSeverity } from './report-model.ts';
import { labelOf, offlineRecord } from './status.ts';
import type { ReasonStore, StatusStore } from './status-ports.ts';
import type { SettingsReader } from './status-service.ts';
import { addDays } from './status-workload.ts';

/**
 * The admins' "Agent Status" dashboard: per agent of a page of the directory, the current status and, for a period of
 * local days, alerts by type and acknowledgement, reports by category and severity, and heartbeat results per day.
 * Cost is bounded by the page, not by the activity: one directory page, one BatchGet of statuses and profiles, one
 * Query of the reasons and BatchGets of agents × days pre-aggregated counter records (see agent-stats.ts).
 */

/** The longest period a page covers (a month of any length). */
export const MAX_PERIOD_DAYS = 31;
/** The period when the request names no `from`: the last 7 local days up to `to`. */
export const DEFAULT_PERIOD_DAYS = 7;

type AlertCounts = Record<AlertOutcome | 'active', number>;

export interface AgentSummary {
  readonly alerts: AlertCounts & { readonly byType: Record<RuleId, AlertCounts> };
  readonly reports: {
    readonly total: number;
    readonly byCategory: Record<ReportCategory, number>;
    readonly bySeverity: Record<ReportSeverity, number>;
  };
  readonly heartbeats: Record<HeartbeatTotals, number> & {
    /** Passed ÷ (passed + degraded + failed + timed out), rounded to 3 places; null without any test result. */
    readonly passRate: number | null;
    /** The latest test call finished among those started in the period. */
    readonly last: LastHeartbeat | null;
    /** One entry per day of the period, oldest first: the trend. */
    readonly days: ReadonlyArray<{ readonly date: string } & Record<HeartbeatTotals, number>>;
  };
}
type HeartbeatTotals = 'passed' | 'degraded' | 'failed' | 'timedOut' | 'cancelled';
const TOTAL_OF: Record<HeartbeatResult, HeartbeatTotals> = {
  passed: 'passed',
  degraded: 'degraded',
  failed: 'failed',
  'timed-out': 'timedOut',
  cancelled: 'cancelled',
};

const zeros = <K extends string>(keys: readonly K[]): Record<K, number> =>
  Object.fromEntries(keys.map((k) => [k, 0])) as Record<K, number>;
const alertZeros = (): AlertCounts => ({ ...zeros(ALERT_OUTCOMES), active: 0 });
const heartbeatZeros = () => zeros(Object.values(TOTAL_OF));

/**
 * Sums one agent's day records over the period (pure). `active` = raised − acknowledged − not acknowledged: every
 * clearing counts on its alert's raise day, so the difference is what is still open (or expired unseen).
 */
export function summarise(days: readonly string[], byDay: ReadonlyMap<string, DayCounters>): AgentSummary {
  const byType = Object.fromEntries(RULE_IDS.map((r) => [r, alertZeros()])) as Record<RuleId, AlertCounts>;
  const alerts = alertZeros();
  const byCategory = zeros(REPORT_CATEGORIES);
  const bySeverity = zeros(REPORT_SEVERITIES);
  const hb = heartbeatZeros();
  const trend: Array<{ date: string } & Record<HeartbeatTotals, number>> = [];
  let last: LastHeartbeat | null = null;
  for (const date of days) {
    const day = byDay.get(date);
    const perDay = heartbeatZeros();
    if (day) {
      for (const rule of RULE_IDS)
        for (const outcome of ALERT_OUTCOMES) {
          const n = day.alerts[rule]?.[outcome] ?? 0;
          byType[rule][outcome] += n;
          alerts[outcome] += n;
        }
      for (const c of REPORT_CATEGORIES) byCategory[c] += day.reportsByCategory[c] ?? 0;
      for (const s of REPORT_SEVERITIES) bySeverity[s] += day.reportsBySeverity[s] ?? 0;
      for (const r of HEARTBEAT_RESULTS) perDay[TOTAL_OF[r]] += day.heartbeats[r] ?? 0;
      const candidate = day.lastHeartbeat;
      if (candidate && (!last || candidate.finishedAt > last.finishedAt)) last = candidate;
    }
    for (const k of Object.keys(hb) as HeartbeatTotals[]) hb[k] += perDay[k];
    trend.push({ date, ...perDay });
  }
  const open = (c: AlertCounts) => Math.max(0, c.raised - c.acknowledged - c.notAcknowledged);
  for (const rule of RULE_IDS) byType[rule].active = open(byType[rule]);
  alerts.active = open(alerts);
  const tests = hb.passed + hb.degraded + hb.failed + hb.timedOut;
  return {
    alerts: { ...alerts, byType },
    reports: { total: Object.values(byCategory).reduce((a, b) => a + b, 0), byCategory, bySeverity },
    heartbeats: {
      ...hb,
      passRate: tests === 0 ? null : Math.round((hb.passed / tests) * 1000) / 1000,
      last,
      days: trend,
    },
  };
}

/** The local dates of a period, validated: `to` not before `from`, at most MAX_PERIOD_DAYS days. */
export function periodDays(from: string, to: string): string[] {
  if (to < from) throw new BadRequestError('BAD_RANGE', '"to" must not be before "from"');
  const days: string[] = [];
  for (let d = from; d <= to; d = addDays(d, 1)) {
    if (days.length === MAX_PERIOD_DAYS)
      throw new BadRequestError('RANGE_TOO_LONG', `A period covers at most ${MAX_PERIOD_DAYS} days`);
    days.push(d);
  }
  return days;
}

export interface DashboardDeps {
  readonly directory: Pick<AgentDirectory, 'listMembers' | 'listAgents' | 'getMany'>;
  readonly statuses: Pick<StatusStore, 'getMany'>;
  readonly reasons: Pick<ReasonStore, 'list'>;
  readonly stats: AgentStatsReader;
  readonly settings: SettingsReader;
  readonly clock: Clock;
}

/** The directory page the dashboard shows: a team's or a queue's members, or the whole roster, in id order. */
async function agentPage(
  deps: DashboardDeps,
  tenant: string,
  q: DashboardQuery,
): Promise<{ profiles: AgentProfile[]; cursor?: string | undefined }> {
  const page = { ...(q.cursor ? { cursor: q.cursor } : {}), limit: q.limit };
  if (q.team === undefined && q.queue === undefined) {
    const roster = await deps.directory.listAgents(tenant, page);
    return { profiles: roster.items, ...(roster.cursor ? { cursor: roster.cursor } : {}) };
  }
  // The team's membership drives the page when both are named; the queue is then checked on the profiles.
  const members = q.team
    ? await deps.directory.listMembers(tenant, 'team', q.team, page)
    : await deps.directory.listMembers(tenant, 'queue', q.queue ?? '', page);
  const found = new Map((await deps.directory.getMany(tenant, members.agentIds)).map((p) => [p.agentId, p]));
  const profiles = members.agentIds
    .map((id) => found.get(id))
    .filter((p): p is AgentProfile => p !== undefined && (q.queue === undefined || p.queues.includes(q.queue)));
  return { profiles, ...(members.cursor ? { cursor: members.cursor } : {}) };
}

/** `GET /dashboard/agents`: admins only (the alert record behind it is theirs), the tenant from the token. */
export async function agentDashboard(deps: DashboardDeps, principal: Principal, q: DashboardQuery) {
  requireRole(principal, ['admin'], 'read the agent status dashboard');
  const { tenant } = principal;
  const { timeZone } = (await deps.settings.get(tenant)).general;
  const to = q.to ?? localDate(deps.clock.now(), timeZone);
  const from = q.from ?? addDays(to, 1 - DEFAULT_PERIOD_DAYS);
  const days = periodDays(from, to);
  const { profiles, cursor } = await agentPage(deps, tenant, q);
  const ids = profiles.map((p) => p.agentId);
  const [records, reasons, stats] = await Promise.all([
    deps.statuses.getMany(tenant, ids),
    deps.reasons.list(tenant),
    deps.stats.days(tenant, ids, days),
  ]);
  const items = profiles.map((p) => {
    // An agent who never had a status has been Offline since the directory got them.
    const record = records.get(p.agentId) ?? offlineRecord(tenant, p.agentId, p.addedAt ?? new Date(0).toISOString());
    return {
      agent: p.agentId,
      displayName: p.displayName,
      team: p.team ?? null,
      queues: [...p.queues],
      status: {
        code: record.status,
        label: labelOf(record.status, reasons),
        since: record.since,
        source: record.source,
        contacts: record.contacts,
      },
      ...summarise(days, stats.get(p.agentId) ?? new Map()),
    };
  });
  return { timeZone, from, to, days, items, cursor: cursor ?? null };
}
