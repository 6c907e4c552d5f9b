import type { Sample } from './samples.ts';
import type { AlertSettings, RuleId } from './schemas.ts';

/**
 * The rule engine: per agent, per rule, a breach starts at the first bad sample and fires once it has lasted the
 * rule's duration (a sample exactly `duration` after the first bad one fires; one sample earlier does not). A good
 * sample ends the breach; a sample without the rule's figure neither starts nor ends it. One alert per rule per
 * contact: the first breach raises it, later breaches in the same contact add their evidence to it.
 *
 * The engine is pure and mutates only the state it is given, so the processor decides what to persist: the engine
 * reports `dirty` only on transitions (breach start/end, alert fired, contact change), never for a sample that merely
 * continues a breach.
 */

export type Thresholds = Pick<
  AlertSettings,
  | 'poorNetworkMos'
  | 'poorNetworkSeconds'
  | 'highCpuPercent'
  | 'highCpuSeconds'
  | 'lowMemoryPercent'
  | 'lowMemorySeconds'
>;

/** What fired an alert, stored with it so that it explains itself. */
export interface Threshold {
  readonly metric: 'mos' | 'microphone' | 'cpuUsedPercent' | 'memoryAvailablePercent';
  readonly operator: '<' | '>' | 'blocked';
  readonly value?: number;
  readonly seconds: number;
}

/** One point of an alert's evidence: the sample's time (epoch ms) and the rule's figures of that second. */
export interface EvidencePoint {
  readonly t: number;
  readonly [figure: string]: number | string;
}

/** The most evidence an alert keeps (the newest points of the window). */
export const MAX_EVIDENCE = 60;

interface Rule {
  readonly id: RuleId;
  /** true = bad, false = good, undefined = the sample has no figure for this rule. */
  bad(s: Sample, c: Thresholds): boolean | undefined;
  point(s: Sample): EvidencePoint;
  seconds(c: Thresholds): number;
  threshold(c: Thresholds): Threshold;
}

const round = (n: number, digits = 2) => Math.round(n * 10 ** digits) / 10 ** digits;

export const RULES: readonly Rule[] = [
  {
    id: 'poorNetwork',
    bad: (s, c) => (s.mos === undefined ? undefined : s.mos < c.poorNetworkMos),
    point: (s) => ({
      t: s.t,
      mos: round(s.mos ?? 0),
      lossPercent: round(s.lossPercent ?? 0),
      rttMs: s.rttMs ?? 0,
      jitterMs: s.jitterMs ?? 0,
    }),
    seconds: (c) => c.poorNetworkSeconds,
    threshold: (c) => ({ metric: 'mos', operator: '<', value: c.poorNetworkMos, seconds: c.poorNetworkSeconds }),
  },
  {
    id: 'micBlocked',
    bad: (s) => (s.microphone === undefined ? undefined : s.microphone !== 'granted'),
    point: (s) => ({ t: s.t, microphone: s.microphone ?? '' }),
    // Blocked is blocked: nothing to wait for.
    seconds: () => 0,
    threshold: () => ({ metric: 'microphone', operator: 'blocked', seconds: 0 }),
  },
  {
    id: 'highCpu',
    bad: (s, c) => (s.cpuPercent === undefined ? undefined : s.cpuPercent > c.highCpuPercent),
    point: (s) => ({ t: s.t, cpuUsedPercent: round(s.cpuPercent ?? 0, 1) }),
    seconds: (c) => c.highCpuSeconds,
    threshold: (c) => ({
      metric: 'cpuUsedPercent',
      operator: '>',
      value: c.highCpuPercent,
      seconds: c.highCpuSeconds,
    }),
  },
  {
    id: 'lowMemory',
    bad: (s, c) => (s.memoryAvailablePercent === undefined ? undefined : s.memoryAvailablePercent < c.lowMemoryPercent),
    point: (s) => ({ t: s.t, memoryAvailablePercent: round(s.memoryAvailablePercent ?? 0, 1) }),
    seconds: (c) => c.lowMemorySeconds,
    threshold: (c) => ({
      metric: 'memoryAvailablePercent',
      operator: '<',
      value: c.lowMemoryPercent,
      seconds: c.lowMemorySeconds,
    }),
  },
];

export interface Breach {
  /** Epoch ms of the first bad sample. */
  since: number;
  /** The breach has fired (raised or updated its alert). */
  fired?: boolean;
}

/** What is persisted per agent (on transitions only). */
export interface TelemetryState {
  /** The active contact the breaches belong to; undefined while the agent is on none. */
  contactId?: string | undefined;
  /** The newest sample applied (epoch ms); older or equal samples are late or duplicates. */
  lastT: number;
  breaches: Partial<Record<RuleId, Breach>>;
  /** The alert raised per rule for `contactId`. */
  raised: Partial<Record<RuleId, string>>;
  /** Optimistic concurrency: the stored version this state was read at. */
  version: number;
}

/** Evidence windows are kept in memory only: a restarted processor explains a breach with what it saw since. */
export type Windows = Partial<Record<RuleId, EvidencePoint[] | undefined>>;

export const emptyState = (): TelemetryState => ({ lastT: 0, breaches: {}, raised: {}, version: 0 });

export interface Finding {
  readonly kind: 'raise' | 'update';
  readonly rule: RuleId;
  readonly alertId: string;
  readonly contactId: string;
  /** Epoch ms of the sample that completed the breach. */
  readonly at: number;
  readonly since: number;
  readonly threshold: Threshold;
  readonly evidence: readonly EvidencePoint[];
}

/** `<raised epoch ms>.<rule>.<contact id>`: deterministic, so a retried batch raises the same alert, not a second. */
export const alertIdOf = (at: number, rule: RuleId, contactId: string): string => `${at}.${rule}.${contactId}`;

export interface EvaluationResult {
  /** A transition happened: the state must be persisted. */
  dirty: boolean;
  /** Samples dropped as duplicates or older than the newest applied. */
  late: number;
}

/**
 * `breaches` without `rule`'s, as a new object. Not `delete`: that turns the object into a dictionary, which every later
 * sample of the contact then looks up by hash for every rule. A breach ends rarely (a transition, persisted anyway).
 */
function without(breaches: TelemetryState['breaches'], rule: RuleId): TelemetryState['breaches'] {
  const rest: TelemetryState['breaches'] = {};
  for (const r of RULES) {
    const b = breaches[r.id];
    if (r.id !== rule && b) rest[r.id] = b;
  }
  return rest;
}

/**
 * Applies `samples` (oldest first) for an agent on `contactId` (undefined: not on an active contact, samples are
 * ignored and open breaches dropped). Findings are appended to `out`.
 */
export function evaluate(
  state: TelemetryState,
  windows: Windows,
  samples: readonly Sample[],
  contactId: string | undefined,
  config: Thresholds,
  out: Finding[],
): EvaluationResult {
  let dirty = enterContact(state, windows, contactId);
  let late = 0;
  if (contactId === undefined) return { dirty, late };
  for (const s of samples) {
    const applied = applySample(state, windows, s, contactId, config, out);
    if (applied === LATE) late++;
    else if (applied === TRANSITION) dirty = true;
  }
  return { dirty, late };
}

/**
 * The first step of `evaluate`: the agent's state follows it onto `contactId` (undefined: none). A change of contact
 * drops the breaches, raised alerts and windows; true when that is a transition to persist.
 */
export function enterContact(state: TelemetryState, windows: Windows, contactId: string | undefined): boolean {
  if (state.contactId === contactId) return false;
  const had = state.contactId !== undefined || Object.keys(state.breaches).length > 0;
  state.contactId = contactId;
  state.breaches = {};
  state.raised = {};
  for (const rule of RULES) windows[rule.id] = undefined;
  return had || contactId !== undefined;
}

/** What one sample did: nothing to persist, a transition, or nothing at all (a duplicate or late sample). */
export const APPLIED = 0;
export const TRANSITION = 1;
export const LATE = 2;

/**
 * The rest of `evaluate`, one sample (after `enterContact` with the same defined `contactId`). The sample is only read:
 * the caller may reuse the object for the next one (evidence points are copies of its figures).
 */
export function applySample(
  state: TelemetryState,
  windows: Windows,
  s: Sample,
  contactId: string,
  config: Thresholds,
  out: Finding[],
): typeof APPLIED | typeof TRANSITION | typeof LATE {
  if (s.t <= state.lastT) return LATE;
  let dirty = false;
  state.lastT = s.t;
  for (const rule of RULES) {
    const bad = rule.bad(s, config);
    if (bad === undefined) continue;
    let breach = state.breaches[rule.id];
    if (!bad) {
      if (breach) {
        state.breaches = without(state.breaches, rule.id);
        windows[rule.id] = undefined;
        dirty = true;
      }
      continue;
    }
    let window = windows[rule.id];
    if (!breach) {
      breach = { since: s.t };
      state.breaches[rule.id] = breach;
      window = [];
      dirty = true;
    }
    window ??= [];
    window.push(rule.point(s));
    if (window.length > MAX_EVIDENCE) window.shift();
    windows[rule.id] = window;
    if (breach.fired || s.t - breach.since < rule.seconds(config) * 1000) continue;
    breach.fired = true;
    dirty = true;
    const existing = state.raised[rule.id];
    const alertId = existing ?? alertIdOf(s.t, rule.id, contactId);
    state.raised[rule.id] = alertId;
    out.push({
      kind: existing ? 'update' : 'raise',
      rule: rule.id,
      alertId,
      contactId,
      at: s.t,
      since: breach.since,
      threshold: rule.threshold(config),
      evidence: window.slice(),
    });
  }
  return dirty ? TRANSITION : APPLIED;
}
