import { RULE_IDS, type RuleId } from './alerts/schemas.ts';
import type { HeartbeatState } from './heartbeat-model.ts';
import { REPORT_CATEGORIES, REPORT_SEVERITIES, type ReportCategory, type ReportSeverity } from './report-model.ts';
import { localParts } from './zoned-time.ts';

/**
 * Pre-aggregated counters of the admin dashboard: one small record per tenant + agent + local day (the tenant's time
 * zone when the fact happened), incremented in the same conditional write that records the fact — so a retried or
 * duplicate fact, whose condition fails, never counts twice. A dashboard read then touches agents × days records,
 * never the alerts, reports or heartbeats themselves.
 *
 * Which day a fact counts on: an alert on the day it was raised (its acknowledgement or clearing counts on that same
 * day, so "raised = acknowledged + not acknowledged + still active" holds per day); a report on the day it was made
 * (`reportedAt`, as `GET /reports` filters); a heartbeat on the day it started (as `GET /heartbeats` filters).
 */

export const ALERT_OUTCOMES = ['raised', 'acknowledged', 'notAcknowledged'] as const;
export type AlertOutcome = (typeof ALERT_OUTCOMES)[number];

/** The final states of a test call; `cancelled` (throttled, switched off) is not a test result. */
export const HEARTBEAT_RESULTS = ['passed', 'degraded', 'failed', 'timed-out', 'cancelled'] as const;
export type HeartbeatResult = (typeof HEARTBEAT_RESULTS)[number] & HeartbeatState;

/** The latest finished test call of a day. */
export interface LastHeartbeat {
  readonly id: string;
  readonly state: HeartbeatResult;
  readonly startedAt: string;
  readonly finishedAt: string;
  readonly mos?: number;
}

/** One agent's counters on one local day (absent counters are 0). */
export interface DayCounters {
  readonly alerts: Partial<Record<RuleId, Partial<Record<AlertOutcome, number>>>>;
  readonly reportsByCategory: Partial<Record<ReportCategory, number>>;
  readonly reportsBySeverity: Partial<Record<ReportSeverity, number>>;
  readonly heartbeats: Partial<Record<HeartbeatResult, number>>;
  readonly lastHeartbeat?: LastHeartbeat;
}

/**
 * Counter names as stored (flat attributes: DynamoDB's `ADD` cannot create a nested map path, and flat names need no
 * "create the map first" step). Built and parsed here only.
 */
export const counterName = {
  alert: (rule: RuleId, outcome: AlertOutcome) => `al.${rule}.${outcome}`,
  reportCategory: (category: ReportCategory) => `rc.${category}`,
  reportSeverity: (severity: ReportSeverity) => `rs.${severity}`,
  heartbeat: (result: HeartbeatResult) => `hb.${result}`,
} as const;

/** The local date (YYYY-MM-DD) of an instant in an IANA time zone. */
export function localDate(instantMs: number, timeZone: string): string {
  const p = localParts(instantMs, timeZone);
  return `${String(p.year).padStart(4, '0')}-${String(p.month).padStart(2, '0')}-${String(p.day).padStart(2, '0')}`;
}

const count = (v: unknown): number => (typeof v === 'number' && Number.isFinite(v) && v > 0 ? v : 0);

/** Reads a stored counter record (unknown attributes ignored, missing counters 0). */
export function decodeDayCounters(item: Readonly<Record<string, unknown>>): DayCounters {
  const alerts: Partial<Record<RuleId, Partial<Record<AlertOutcome, number>>>> = {};
  for (const rule of RULE_IDS)
    for (const outcome of ALERT_OUTCOMES) {
      const n = count(item[counterName.alert(rule, outcome)]);
      if (n > 0) alerts[rule] = { ...alerts[rule], [outcome]: n };
    }
  const reportsByCategory: Partial<Record<ReportCategory, number>> = {};
  for (const c of REPORT_CATEGORIES) {
    const n = count(item[counterName.reportCategory(c)]);
    if (n > 0) reportsByCategory[c] = n;
  }
  const reportsBySeverity: Partial<Record<ReportSeverity, number>> = {};
  for (const s of REPORT_SEVERITIES) {
    const n = count(item[counterName.reportSeverity(s)]);
    if (n > 0) reportsBySeverity[s] = n;
  }
  const heartbeats: Partial<Record<HeartbeatResult, number>> = {};
  for (const r of HEARTBEAT_RESULTS) {
    const n = count(item[counterName.heartbeat(r)]);
    if (n > 0) heartbeats[r] = n;
  }
  const last = decodeLast(item.hbLast);
  return { alerts, reportsByCategory, reportsBySeverity, heartbeats, ...(last ? { lastHeartbeat: last } : {}) };
}

function decodeLast(v: unknown): LastHeartbeat | undefined {
  if (!v || typeof v !== 'object') return undefined;
  const o = v as Record<string, unknown>;
  const state = (HEARTBEAT_RESULTS as readonly unknown[]).includes(o.state) ? (o.state as HeartbeatResult) : undefined;
  if (typeof o.id !== 'string' || !state || typeof o.finishedAt !== 'string' || typeof o.startedAt !== 'string')
    return undefined;
  return {
    id: o.id,
    state,
    startedAt: o.startedAt,
    finishedAt: o.finishedAt,
    ...(typeof o.mos === 'number' ? { mos: o.mos } : {}),
  };
}

/** Reads agents' counter records of local days; agents or days without any fact are simply absent. */
export interface AgentStatsReader {
  days(
    tenant: string,
    agents: readonly string[],
    days: readonly string[],
  ): Promise<Map<string, Map<string, DayCounters>>>;
}
