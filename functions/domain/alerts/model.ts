import type { Notifier } from '../notifier.ts';
import type { AgentStatus } from '../status.ts';
import type { StatusFeed } from '../status-ports.ts';
import type { EvidencePoint, TelemetryState, Threshold } from './rules.ts';
import type { AlertQuery, AlertState, RuleId, SelfHelp } from './schemas.ts';

/** Why an alert stopped being active. */
export type ClearedBy = 'agent' | 'next-contact' | 'session-end';

/** One alert: raised once per rule per contact, explainable (rule, threshold, evidence), acknowledged or not. */
export interface Alert {
  readonly tenant: string;
  readonly agent: string;
  readonly id: string;
  readonly rule: RuleId;
  readonly contactId: string;
  /** The agent's team when raised (admins query by team). */
  readonly team?: string;
  readonly state: AlertState;
  /** ISO 8601: the sample that completed the first breach. */
  readonly raisedAt: string;
  /** ISO 8601: the first bad sample of the first breach. */
  readonly breachStartedAt: string;
  /**
   * ISO 8601: the first bad sample of the latest breach counted (absent: only the first one). A breach is identified
   * by its start, so a retried batch that replays a counted breach changes nothing.
   */
  readonly latestBreachStartedAt?: string;
  readonly threshold: Threshold;
  /** The newest points of the breach windows (at most MAX_EVIDENCE), oldest first; times as ISO 8601. */
  readonly evidence: ReadonlyArray<EvidencePoint & { at?: string }>;
  /** How many breaches of the contact fired this alert (later ones add their evidence). */
  readonly breaches: number;
  readonly updatedAt: string;
  readonly acknowledgedBy?: string;
  readonly acknowledgedAt?: string;
  readonly clearedAt?: string;
  readonly clearedBy?: ClearedBy;
  /** Epoch seconds after which the record is deleted (tenant retention). */
  readonly expiresAt: number;
}

export interface AlertPage {
  readonly items: Alert[];
  readonly cursor?: string | undefined;
}

/** Alert records (single table, TTL retention). */
export interface AlertStore {
  /**
   * Stores a new alert; false when it exists already (a retried batch), which is then left as it is. With `guard`,
   * only while the agent's stored telemetry state is still at `guard.stateVersion` (0: none stored), in the same
   * atomic write: false (nothing written) when another processor has moved the state on since it was read.
   */
  raise(alert: Alert, guard?: { readonly stateVersion: number }): Promise<boolean>;
  /**
   * Adds a later breach's evidence (capped) and counts it, once per breach (identified by `breachStartedAt`, its first
   * bad sample): the updated alert, or undefined if the alert does not exist or that breach (or a later one) was
   * counted already — a retried batch replaying it.
   */
  addEvidence(
    tenant: string,
    agent: string,
    id: string,
    breach: { readonly startedAt: string; readonly evidence: Alert['evidence'] },
    atIso: string,
  ): Promise<Alert | undefined>;
  get(tenant: string, agent: string, id: string): Promise<Alert | undefined>;
  /** active → `to`, conditionally: exactly one of concurrent callers wins; the others get the alert as it is. */
  close(
    tenant: string,
    agent: string,
    id: string,
    change: { to: Exclude<AlertState, 'active'>; by: ClearedBy; atIso: string; user?: string },
  ): Promise<{ won: boolean; alert: Alert | undefined }>;
  /** The agent's alerts raised at or after `fromIso`, oldest first. */
  listForAgent(tenant: string, agent: string, fromIso: string): Promise<Alert[]>;
  /** Admin query: by agent or team or the whole tenant, in a period, optionally one state; paginated. */
  query(tenant: string, query: AlertQuery & { from: string; to: string }): Promise<AlertPage>;
}

/** What the processor reads of each agent of a batch: its status record and its stored breach state. */
export interface AgentReading {
  /** The agent-event consumer's status record: the one source of "on an active contact". */
  readonly status?: AgentStatus | undefined;
  /** The stored breach state (undefined: none stored). */
  readonly state?: TelemetryState | undefined;
}

/** Per-agent breach state (persisted on transitions only). */
export interface TelemetryStateStore {
  /**
   * The agents' status records and stored breach states, read strongly consistently and together (both live on one
   * table: one request per 100 keys, instead of one per kind). Agents with neither are absent.
   */
  readAgents(tenant: string, agents: readonly string[]): Promise<Map<string, AgentReading>>;
  /** Writes if the stored version is still `state.version` (0 = none); false when another writer came first. */
  save(tenant: string, agent: string, state: TelemetryState): Promise<boolean>;
}

/** Whether the tenant has a Connect instance bound: then only Connect's agent events say who is on a contact. */
export interface ConnectBinding {
  isBound(tenant: string): Promise<boolean>;
}

/** Pushes: THE notifier (mirrors to silent monitors) and the tenant status feed. */
export interface AlertPushes {
  readonly notifier: Notifier;
  readonly feed: StatusFeed;
}

/** What agents, monitors and the feed are shown of an alert (with the self-help content while it is active). */
export function alertView(alert: Alert, selfHelp?: SelfHelp) {
  const { tenant: _t, expiresAt: _e, ...view } = alert;
  return selfHelp && alert.state === 'active' ? { ...view, selfHelp } : view;
}
