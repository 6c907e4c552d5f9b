import type { ServerEvent } from './notifier.ts';
import type { AgentStatus, ContactSummary, StatusCode, StatusLogEntry, StatusReason, StatusSource } from './status.ts';

/** Ports of the status capability. Adapters implement them on DynamoDB; tests pass in-memory fakes. */

export interface StatusPage {
  readonly items: AgentStatus[];
  readonly cursor?: string;
}

export interface StatusStore {
  get(tenant: string, agent: string): Promise<AgentStatus | undefined>;
  getMany(tenant: string, agents: readonly string[]): Promise<Map<string, AgentStatus>>;
  /**
   * Writes the record only if the stored version is still `expectedVersion` (0 = no record yet). Returns false when
   * someone else wrote first; the caller re-reads and decides again.
   */
  save(record: AgentStatus, expectedVersion: number): Promise<boolean>;
  /** Agents of a tenant in id order, optionally only those in one of `statuses` (a Query per status, merged). */
  list(
    tenant: string,
    filter: { statuses?: readonly StatusCode[]; cursor?: string; limit: number },
  ): Promise<StatusPage>;
  appendLog(entry: StatusLogEntry, expiresAt: number): Promise<void>;
  /** Log entries with `from <= at < to` (ISO 8601), oldest first. */
  readLog(tenant: string, agent: string, fromIso: string, toIso: string): Promise<StatusLogEntry[]>;
  /** The newest entry strictly before `iso` (what the agent's status was when a report period begins). */
  lastLogBefore(tenant: string, agent: string, iso: string): Promise<StatusLogEntry | undefined>;
  startSession(session: AgentSession, expiresAt: number): Promise<void>;
  endSession(tenant: string, agent: string, startedAt: string, endedAt: string, endedBy: StatusSource): Promise<void>;
  listSessions(tenant: string, agent: string, fromIso: string, toIso: string): Promise<AgentSession[]>;
}

export interface AgentSession {
  readonly tenant: string;
  readonly agent: string;
  readonly startedAt: string;
  readonly startedBy: StatusSource;
  readonly endedAt?: string;
  readonly endedBy?: StatusSource;
}

/** Last-seen tracking for auto-Offline: an index of deadlines instead of a Scan for silent agents. */
export interface PresenceStore {
  /** Records activity unless it was recorded less than `minIntervalMs` ago; true when it wrote. */
  touch(tenant: string, agent: string, nowMs: number, deadlineMs: number, minIntervalMs: number): Promise<boolean>;
  /** Agents whose deadline is before `nowMs` (across tenants), oldest first. */
  due(nowMs: number, limit: number): Promise<Array<{ tenant: string; agent: string; deadline: number }>>;
  /** Takes the agent out of the due index, unless activity moved the deadline meanwhile; true when it did. */
  clear(tenant: string, agent: string, deadline: number): Promise<boolean>;
  /** Supervisors and admins seen recently: they receive approval requests live. */
  touchSupervisor(tenant: string, user: string, nowMs: number, minIntervalMs: number): Promise<boolean>;
  supervisors(tenant: string, nowMs: number): Promise<string[]>;
}

export const REQUEST_STATES = ['pending', 'accepted', 'rejected', 'cancelled'] as const;
export type RequestState = (typeof REQUEST_STATES)[number];

export interface StatusRequest {
  readonly tenant: string;
  readonly id: string;
  readonly agent: string;
  readonly status: StatusCode;
  readonly label: string;
  readonly state: RequestState;
  readonly requestedAt: string;
  readonly decidedBy?: string;
  readonly decidedAt?: string;
}

export interface ApprovalStore {
  create(request: StatusRequest, expiresAt: number): Promise<void>;
  get(tenant: string, id: string): Promise<StatusRequest | undefined>;
  /**
   * Moves a pending request to `state` with a conditional write. Exactly one of several concurrent callers wins;
   * the others get `{ won: false }` with the request as the winner left it.
   */
  decide(
    tenant: string,
    id: string,
    state: Exclude<RequestState, 'pending'>,
    by: string,
    atIso: string,
  ): Promise<{ won: boolean; request: StatusRequest | undefined }>;
  listPending(tenant: string): Promise<StatusRequest[]>;
}

/** How the tenant's statuses map onto its Amazon Connect instance. */
export interface ConnectConfig {
  readonly instanceArn: string;
  /** Status code → Connect agent status id (built-ins; a reason may also carry its own id). */
  readonly statusMap: Readonly<Record<string, string>>;
}

export interface ReasonStore {
  list(tenant: string): Promise<StatusReason[]>;
  /** Adds a reason; refuses a 51st (409) and a duplicate active name (409). */
  create(tenant: string, reason: StatusReason): Promise<StatusReason>;
  update(
    tenant: string,
    id: string,
    patch: Partial<Pick<StatusReason, 'name' | 'needsApproval' | 'retired' | 'connectAgentStatusId'>>,
  ): Promise<StatusReason>;
  connectConfig(tenant: string): Promise<ConnectConfig | undefined>;
  /** Stores the tenant's Connect config and the instance → tenant lookup the agent-event consumer uses. */
  putConnectConfig(tenant: string, config: ConnectConfig): Promise<void>;
  tenantForInstance(instanceArn: string): Promise<string | undefined>;
}

/** One pending PutUserStatus: the newest status of an agent wins (older ones are overwritten, never sent). */
export interface SyncItem {
  readonly tenant: string;
  readonly agent: string;
  readonly status: StatusCode;
  /** The status record's version when enqueued: completing is conditional on it, so a newer status is not lost. */
  readonly seq: number;
  readonly enqueuedAt: number;
  readonly attempts: number;
  /** Epoch ms before which the item is not retried. */
  readonly notBefore: number;
}

export interface ConnectSyncQueue {
  enqueue(item: Omit<SyncItem, 'attempts' | 'notBefore'>): Promise<void>;
  /** Pending items that may be tried at `nowMs`, oldest first. */
  pending(nowMs: number, limit: number): Promise<SyncItem[]>;
  /** Removes the item if no newer status was enqueued meanwhile. */
  complete(item: SyncItem): Promise<void>;
  /** Keeps the item for a later try (unless a newer status replaced it); `counts` adds one to `attempts`. */
  retryLater(item: SyncItem, notBefore: number, error: string, counts: boolean): Promise<void>;
  /** Single-worker lease so two runs never pace independently (which would double the rate). */
  acquireLease(owner: string, nowMs: number, durationMs: number): Promise<boolean>;
  releaseLease(owner: string): Promise<void>;
}

/** The live tenant status feed (connections that sent `subscribeStatus`). */
export interface StatusFeed {
  publish(tenant: string, event: ServerEvent): Promise<void>;
}

/** Internal domain events other capabilities (alerts) subscribe to. */
export type DomainEvent =
  | {
      readonly type: 'contact-offered';
      readonly tenant: string;
      readonly agent: string;
      readonly contact: ContactSummary;
      readonly at: string;
    }
  | {
      readonly type: 'agent-session-ended';
      readonly tenant: string;
      readonly agent: string;
      readonly startedAt?: string;
      readonly endedAt: string;
      readonly source: StatusSource;
    };

export interface DomainEvents {
  publish(event: DomainEvent): Promise<void>;
}
