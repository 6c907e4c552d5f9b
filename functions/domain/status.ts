import type { AgentProfile } from './directory.ts';
import { BadRequestError } from './errors.ts';

/**
 * The agent status model. A status is identified by a stable *code* (it goes into DynamoDB keys, filters and pushed
 * frames); its *label* is what people read. Built-in codes never change; a custom inactivity reason is `reason:<id>`,
 * so an admin renaming "Lunch" to "Meal break" changes a label, not the code agents currently hold.
 */
export const MANUAL_STATUSES = ['available', 'busy', 'away', 'offline'] as const;
/** Derived from Amazon Connect agent events; nobody sets them by hand. */
export const AUTOMATIC_STATUSES = ['ringing', 'in-call', 'wrap-up', 'full-capacity', 'under-capacity', 'idle'] as const;
/** Connect lifecycle states that are neither work nor a chosen reason. */
export const LIFECYCLE_STATUSES = ['not-ready', 'finishing', 'inactive'] as const;

export type ManualStatus = (typeof MANUAL_STATUSES)[number];
export type AutomaticStatus = (typeof AUTOMATIC_STATUSES)[number];
export type LifecycleStatus = (typeof LIFECYCLE_STATUSES)[number];
export type BuiltInStatus = ManualStatus | AutomaticStatus | LifecycleStatus;
export type ReasonCode = `reason:${string}`;
export type StatusCode = BuiltInStatus | ReasonCode;

export const BUILT_IN_LABELS: Readonly<Record<BuiltInStatus, string>> = {
  available: 'Available',
  busy: 'Busy',
  away: 'Away',
  offline: 'Offline',
  ringing: 'Ringing',
  'in-call': 'In a call',
  'wrap-up': 'Wrap-up',
  'full-capacity': 'Full capacity',
  'under-capacity': 'Under capacity',
  idle: 'Idle',
  'not-ready': 'Not ready',
  finishing: 'Finishing',
  inactive: 'Inactive',
};

const BUILT_INS = new Set<string>([...MANUAL_STATUSES, ...AUTOMATIC_STATUSES, ...LIFECYCLE_STATUSES]);
export const REASON_ID_PATTERN = /^[a-z0-9]{1,16}$/;
export const STATUS_CODE_PATTERN = /^(?:[a-z-]{2,20}|reason:[a-z0-9]{1,16})$/;

export const isBuiltIn = (code: string): code is BuiltInStatus => BUILT_INS.has(code);
export const isReasonCode = (code: string): code is ReasonCode =>
  code.startsWith('reason:') && REASON_ID_PATTERN.test(code.slice(7));
export const reasonCode = (id: string): ReasonCode => `reason:${id}`;
export const isStatusCode = (code: string): code is StatusCode => isBuiltIn(code) || isReasonCode(code);

/** Who caused a change. `connect` changes are never pushed back to Connect (no echo). */
export const STATUS_SOURCES = ['agent', 'supervisor', 'connect', 'system'] as const;
export type StatusSource = (typeof STATUS_SOURCES)[number];

/** An admin-defined inactivity reason ("Lunch", "Training"). Retired reasons stay for labels in logs and reports. */
export interface StatusReason {
  readonly id: string;
  readonly name: string;
  readonly needsApproval: boolean;
  readonly retired: boolean;
  /** The Connect agent status this reason corresponds to (pushed with PutUserStatus, recognised in agent events). */
  readonly connectAgentStatusId?: string;
}

export const MAX_REASONS = 50;

/** The contact an agent is busy with, as a supervisor's console shows it. */
export interface ContactSummary {
  readonly contactId: string;
  readonly channel: string;
  readonly state: string;
  readonly queue?: string;
  /** ISO 8601: when the contact entered `state`. */
  readonly since?: string;
}

/** The current status of one agent: one item per agent, the source of truth for lists, feeds and reports. */
export interface AgentStatus {
  readonly tenant: string;
  readonly agent: string;
  readonly status: StatusCode;
  /** ISO 8601: when `status` began. */
  readonly since: string;
  readonly source: StatusSource;
  /** The user who made the change (agent or supervisor); absent for connect/system. */
  readonly by?: string;
  /** Contacts the agent holds in Connect (ringing, connected, on hold or in after-contact work). */
  readonly contacts: number;
  readonly currentContact?: ContactSummary;
  /** Connect's NextAgentStatus name while the agent finishes contacts. */
  readonly nextStatus?: string;
  /** The id of an approval request awaiting a supervisor. */
  readonly pendingRequest?: string;
  readonly team?: string;
  readonly queues: readonly string[];
  /** Optimistic-concurrency counter: every write is conditional on the version read. */
  readonly version: number;
  /** The newest applied agent event: its time (epoch ms) and the ids seen at that time (dedupe). */
  readonly aes?: { readonly ts: number; readonly ids: readonly string[] };
  /** ISO 8601 start of the current session (set while the agent is not Offline). */
  readonly sessionStart?: string;
  /** A fingerprint of the Connect profile (team, queues, user id, name) last sent to the directory. */
  readonly profileFp?: string;
}

/**
 * Whether a supervisor would see the difference between two records of an agent: the one definition used by the
 * status commit (publish to the feed or not) and the agent-event consumer (write or skip a heartbeat).
 */
export function visibleChange(a: AgentStatus, b: AgentStatus): boolean {
  return (
    a.status !== b.status ||
    a.contacts !== b.contacts ||
    a.currentContact?.contactId !== b.currentContact?.contactId ||
    a.currentContact?.state !== b.currentContact?.state ||
    a.nextStatus !== b.nextStatus ||
    a.pendingRequest !== b.pendingRequest ||
    a.team !== b.team ||
    a.queues.join('\u0000') !== b.queues.join('\u0000')
  );
}

/** One line of the status log. */
export interface StatusLogEntry {
  readonly tenant: string;
  readonly agent: string;
  readonly from: StatusCode;
  readonly to: StatusCode;
  /** ISO 8601. */
  readonly at: string;
  readonly source: StatusSource;
  readonly by?: string;
}

/** The frame every status change is pushed as (to the agent, to the tenant feed, mirrored to monitors). */
export interface StatusEvent {
  readonly type: 'status';
  readonly agent: string;
  readonly status: StatusCode;
  readonly label: string;
  readonly previous: StatusCode;
  readonly since: string;
  readonly contacts: number;
  readonly source: StatusSource;
  readonly by?: string;
  readonly currentContact?: ContactSummary;
  readonly nextStatus?: string;
  readonly pendingRequest?: string;
  readonly team?: string;
  readonly queues: readonly string[];
  /**
   * The record's version: it grows with every change of the agent. Two changes committed a moment apart may reach the
   * feed stream in the other order (two requests publishing side by side), so consoles keep the highest one.
   */
  readonly version: number;
  readonly [key: string]: unknown;
}

export function labelOf(code: string, reasons: readonly StatusReason[]): string {
  if (isBuiltIn(code)) return BUILT_IN_LABELS[code];
  if (isReasonCode(code)) return reasons.find((r) => reasonCode(r.id) === code)?.name ?? code;
  return code;
}

export function statusEvent(record: AgentStatus, previous: StatusCode, label: string): StatusEvent {
  return {
    type: 'status',
    agent: record.agent,
    status: record.status,
    label,
    previous,
    since: record.since,
    contacts: record.contacts,
    source: record.source,
    ...(record.by ? { by: record.by } : {}),
    ...(record.currentContact ? { currentContact: record.currentContact } : {}),
    ...(record.nextStatus ? { nextStatus: record.nextStatus } : {}),
    ...(record.pendingRequest ? { pendingRequest: record.pendingRequest } : {}),
    ...(record.team ? { team: record.team } : {}),
    queues: record.queues,
    version: record.version,
  };
}

/** What an agent (or a supervisor on its behalf) may choose: the four defaults and active reasons. */
export function resolveSettableStatus(
  code: string,
  reasons: readonly StatusReason[],
): { code: StatusCode; needsApproval: boolean; reason?: StatusReason } {
  if ((MANUAL_STATUSES as readonly string[]).includes(code))
    return { code: code as ManualStatus, needsApproval: false };
  if (isReasonCode(code)) {
    const reason = reasons.find((r) => reasonCode(r.id) === code && !r.retired);
    if (reason) return { code, needsApproval: reason.needsApproval, reason };
    throw new BadRequestError('UNKNOWN_REASON', `No active inactivity reason "${code}"`);
  }
  if (isBuiltIn(code))
    throw new BadRequestError('AUTOMATIC_STATUS', `"${code}" is derived from Amazon Connect and cannot be set by hand`);
  throw new BadRequestError('UNKNOWN_STATUS', `Unknown status "${code.slice(0, 40)}"`);
}

/** A record for an agent the system has never seen: Offline since the epoch of the first read. */
export function offlineRecord(tenant: string, agent: string, atIso: string): AgentStatus {
  return { tenant, agent, status: 'offline', since: atIso, source: 'system', contacts: 0, queues: [], version: 0 };
}

/** What APIs return about an agent's status: internal bookkeeping (versions, event ids, fingerprints) stays inside. */
export function statusView(record: AgentStatus, reasons: readonly StatusReason[] = []) {
  return {
    agent: record.agent,
    status: record.status,
    label: labelOf(record.status, reasons),
    since: record.since,
    source: record.source,
    ...(record.by ? { by: record.by } : {}),
    contacts: record.contacts,
    ...(record.currentContact ? { currentContact: record.currentContact } : {}),
    ...(record.nextStatus ? { nextStatus: record.nextStatus } : {}),
    pendingRequest: record.pendingRequest ?? null,
    ...(record.team ? { team: record.team } : {}),
    queues: record.queues,
  };
}

/** A record with the directory's team and queues (unchanged when the agent is not in the directory). */
export function withProfile(record: AgentStatus, profile: AgentProfile | undefined): AgentStatus {
  if (!profile) return record;
  const { team: _t, ...rest } = record;
  return { ...rest, ...(profile.team ? { team: profile.team } : {}), queues: [...profile.queues] };
}
