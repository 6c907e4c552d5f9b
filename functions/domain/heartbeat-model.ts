import { createHash } from 'node:crypto';
import { localParts } from './zoned-time.ts';

/**
 * Heartbeat test calls: the pure rules. A tenant's schedule fires every minute; each run starts test calls to free
 * agents that were not tested within the tenant's cadence, inside its local hours, under its cap of concurrent calls.
 */

export const WEEKDAYS = ['MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT', 'SUN'] as const;
export type Weekday = (typeof WEEKDAYS)[number];

/** What a tenant admin configures. Instance and phone numbers are not here: they are operator-bound (see README). */
export interface HeartbeatConfig {
  readonly enabled: boolean;
  /** Each agent is tested at most once per this many minutes. */
  readonly cadenceMinutes: number;
  /** Local hours in the tenant's time zone (`general.timeZone`): from `fromHour`:00 up to `toHour`:00. */
  readonly window: { readonly fromHour: number; readonly toHour: number; readonly days: readonly Weekday[] };
  /** The contact flow of the tenant's bound instance that runs the test call (it calls the contact-flow Lambda). */
  readonly contactFlowId: string;
  /** Optional outbound queue of the bound instance (its caller id is used instead of the operator's source number). */
  readonly queueId?: string | undefined;
  /** At most this many test calls at once (Connect's default is 10 concurrent calls per instance). */
  readonly maxConcurrent: number;
}

export interface StoredHeartbeatConfig extends HeartbeatConfig {
  readonly updatedAt: string;
  readonly updatedBy: string;
  /** The schedule that runs the heartbeats, absent while disabled. */
  readonly scheduleName?: string;
}

export const HEARTBEAT_STATES = [
  'started',
  'routed',
  'passed',
  'degraded',
  'failed',
  'timed-out',
  'cancelled',
] as const;
export type HeartbeatState = (typeof HEARTBEAT_STATES)[number];
export const LIVE_STATES: readonly HeartbeatState[] = ['started', 'routed'];
export const isLive = (state: HeartbeatState): boolean => LIVE_STATES.includes(state);

/** Measurements the contact flow reports at its outcome step. */
export interface HeartbeatOutcome {
  readonly result: 'answered' | 'no-answer' | 'error';
  readonly axScore?: number;
  readonly cxScore?: number;
  readonly networkScore?: number;
  readonly mos?: number;
  readonly setupMs?: number;
  readonly answerMs?: number;
}

export interface Heartbeat {
  readonly tenant: string;
  /** Time-ordered, Connect-safe (letters, digits, dash): also the ClientToken of StartOutboundVoiceContact. */
  readonly id: string;
  readonly agent: string;
  readonly state: HeartbeatState;
  readonly startedAt: string;
  /** Epoch ms after which a live heartbeat is timed out. */
  readonly deadline: number;
  readonly contactId?: string;
  readonly routedAt?: string;
  readonly finishedAt?: string;
  readonly outcome?: HeartbeatOutcome;
  /** Machine-readable reason of a failed/cancelled/timed-out heartbeat. */
  readonly reason?: string;
}

/** Connect dials for at most 60 s; the flow then needs a few seconds more. Past this a test counts as timed out. */
export const HEARTBEAT_TIMEOUT_MS = 90_000;
/** Results are kept this long (DynamoDB TTL). */
export const HEARTBEAT_RETENTION_DAYS = 90;
/** StartOutboundVoiceContact is limited to ~2 requests/s per account: one call every 600 ms leaves margin. */
export const START_INTERVAL_MS = 600;
/** A MOS below this marks an answered test as degraded (see the E-model notes in the README). */
export const DEGRADED_MOS = 3.5;

/** `2026-11-27T18:07:12.345Z` + random → `20261127T180712345-k3j9x0a1b2`: sortable by start, valid for Connect. */
export function newHeartbeatId(nowMs: number, random: string): string {
  const stamp = new Date(nowMs).toISOString().replace(/[-:]/g, '').replace('.', '').replace('Z', '');
  return `${stamp}-${random
    .replace(/[^a-z0-9]/gi, '')
    .slice(0, 10)
    .toLowerCase()}`;
}
export const HEARTBEAT_ID_PATTERN = /^\d{8}T\d{9}-[a-z0-9]{1,10}$/;

/** The sort-key bound of heartbeats started at `iso` (ids start with their start time). */
export function heartbeatIdPrefix(iso: string): string {
  return newHeartbeatId(Date.parse(iso), '').replace(/-$/, '');
}

/**
 * The deterministic schedule name of a tenant (Scheduler names: 1-64 of `[0-9a-zA-Z-_.]`): readable for short tenant
 * ids, a hash suffix keeps long ones unique.
 */
export function heartbeatScheduleName(tenant: string): string {
  const plain = `heartbeat-${tenant}`;
  if (plain.length <= 64) return plain;
  const hash = createHash('sha256').update(tenant).digest('hex').slice(0, 12);
  return `heartbeat-${tenant.slice(0, 64 - 'heartbeat-'.length - 13)}-${hash}`;
}

/** Whether `nowMs` lies within the configured local hours and days in `timeZone`. */
export function withinWindow(config: HeartbeatConfig, timeZone: string, nowMs: number): boolean {
  const local = localParts(nowMs, timeZone);
  // Day of week of the local calendar date (0 = Sunday in JS, WEEKDAYS starts on Monday).
  const dow = new Date(Date.UTC(local.year, local.month - 1, local.day)).getUTCDay();
  const day = WEEKDAYS[(dow + 6) % 7];
  if (!day || !config.window.days.includes(day)) return false;
  return local.hour >= config.window.fromHour && local.hour < config.window.toHour;
}

/** What the selection needs to know of one agent. */
export interface AgentCandidate {
  readonly agent: string;
  readonly status: string;
  readonly contacts: number;
  /** Epoch ms until which the agent's messenger counts as online (presence deadline); absent = never seen. */
  readonly onlineUntil?: number;
  /** Epoch ms of the agent's last heartbeat start. */
  readonly lastTestedAt?: number;
  /** A heartbeat in flight for this agent. */
  readonly activeHeartbeat?: string;
}

/**
 * Statuses of a free agent: `available` (set in the messenger) and `idle` (Connect's Available, routable, holding no
 * contact — what an agent returns to after a call).
 */
export const FREE_STATUSES = ['available', 'idle'] as const;

/**
 * Free agents to test now, least recently tested first: Available, no contact in Connect, messenger online, no test in
 * flight and none within the cadence.
 */
export function selectFreeAgents(
  candidates: readonly AgentCandidate[],
  rule: { readonly nowMs: number; readonly cadenceMs: number; readonly limit: number },
): AgentCandidate[] {
  if (rule.limit <= 0) return [];
  return candidates
    .filter(
      (c) =>
        (FREE_STATUSES as readonly string[]).includes(c.status) &&
        c.contacts === 0 &&
        c.onlineUntil !== undefined &&
        c.onlineUntil > rule.nowMs &&
        c.activeHeartbeat === undefined &&
        (c.lastTestedAt === undefined || c.lastTestedAt <= rule.nowMs - rule.cadenceMs),
    )
    .sort((a, b) => (a.lastTestedAt ?? 0) - (b.lastTestedAt ?? 0) || (a.agent < b.agent ? -1 : 1))
    .slice(0, rule.limit);
}

/** The final state of a test the flow reported on. */
export function verdict(outcome: HeartbeatOutcome): Extract<HeartbeatState, 'passed' | 'degraded' | 'failed'> {
  if (outcome.result !== 'answered') return 'failed';
  return outcome.mos !== undefined && outcome.mos < DEGRADED_MOS ? 'degraded' : 'passed';
}

/**
 * A reply Amazon Connect accepts from a Lambda block (STRING_MAP): a flat object of short strings of letters, digits,
 * dash and underscore. Anything else is dropped rather than risk the block failing the call.
 */
export type FlowReply = Readonly<Record<string, string>>;
const FLOW_VALUE = /^[A-Za-z0-9_-]{1,256}$/;
const FLOW_KEY = /^[A-Za-z][A-Za-z0-9_]{0,63}$/;

export function toFlowReply(values: Readonly<Record<string, string | number | boolean | undefined>>): FlowReply {
  const out: Record<string, string> = {};
  for (const [key, raw] of Object.entries(values)) {
    if (raw === undefined || !FLOW_KEY.test(key)) continue;
    // A decimal point is not a valid character: numbers go out as integers (scores are reported, not replied).
    const value = typeof raw === 'number' ? String(Math.round(raw)) : String(raw);
    if (FLOW_VALUE.test(value)) out[key] = value;
  }
  return out;
}

/**
 * Simplified ITU-T G.107 E-model (as WebRTC SDKs use it): round-trip time and jitter in ms, loss in percent.
 * Perfect network ≈ 4.43.
 */
export function estimateMos(rttMs: number, jitterMs: number, lossPercent: number): number {
  const latency = rttMs + 2 * jitterMs + 10;
  let r = latency < 160 ? 94.768 - latency / 40 : 94.768 - (latency - 120) / 10;
  r = lossPercent <= r / 2.5 ? Math.max(r - 2.5 * lossPercent, 6.52) : 0;
  return 1 + 0.035 * r + 0.000007 * r * (r - 60) * (100 - r);
}
