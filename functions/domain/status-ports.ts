import type { AgentProfile } from './directory.ts';
import type { ServerEvent } from './notifier.ts';
import type { AgentStatus, ContactSummary, StatusCode, StatusLogEntry, StatusReason, StatusSource } from './status.ts';

/** Ports of the status capability. Adapters implement them on DynamoDB; tests pass in-memory fakes. */

export interface StatusPage {
  readonly items: AgentStatus[];
  readonly cursor?: string | undefined;
}

export interface StatusStore {
  get(tenant: string, agent: string): Promise<AgentStatus | undefined>;
  getMany(tenant: string, agents: readonly string[]): Promise<Map<string, AgentStatus>>;
  /**
   * Writes the record only if the stored version is still `expectedVersion` (0 = no record yet), together with its
   * persisted side effects, all or nothing (one transaction): a change is never saved without its log entry, session
   * or Connect-sync item, so a retry never finds a saved change whose effects are missing. Returns false when
   * someone else wrote first; the caller re-reads and decides again.
   */
  commit(record: AgentStatus, expectedVersion: number, effects?: PersistedEffects): Promise<boolean>;
  /** Agents of a tenant in id order, optionally only those in one of `statuses` (a Query per status, merged). */
  list(
    tenant: string,
    filter: { statuses?: readonly StatusCode[]; cursor?: string | undefined; limit: number },
  ): Promise<StatusPage>;
  /** Log entries with `from <= at < to` (ISO 8601), oldest first. */
  readLog(tenant: string, agent: string, fromIso: string, toIso: string): Promise<StatusLogEntry[]>;
  /** The newest entry strictly before `iso` (what the agent's status was when a report period begins). */
  lastLogBefore(tenant: string, agent: string, iso: string): Promise<StatusLogEntry | undefined>;
  listSessions(tenant: string, agent: string, fromIso: string, toIso: string): Promise<AgentSession[]>;
}

/** What a status change writes besides the record (see `StatusStore.commit`). */
export interface PersistedEffects {
  readonly log?: { readonly entry: StatusLogEntry; readonly expiresAt: number };
  readonly sessionStart?: { readonly session: AgentSession; readonly expiresAt: number };
  readonly sessionEnd?: { readonly startedAt: string; readonly endedAt: string; readonly endedBy: StatusSource };
  /** The PutUserStatus to queue for the tenant's Connect instance. */
  readonly sync?: Omit<SyncItem, 'attempts' | 'notBefore'>;
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
  /** The instance an operator bound to the tenant; absent: none (yet). */
  readonly instanceArn?: string;
  /** Status code → Connect agent status id (built-ins; a reason may also carry its own id). */
  readonly statusMap: Readonly<Record<string, string>>;
}

/**
 * Which tenant each Connect instance belongs to. Only an operator binds (the instances are the deployment's
 * configuration); a tenant admin sets the status map only. Reads are consistent and uncached: a binding is seen by
 * the next event batch, status change or sync run, and a released instance is never acted on for its old tenant.
 */
export interface ConnectBindingStore {
  connectConfig(tenant: string): Promise<ConnectConfig | undefined>;
  putStatusMap(tenant: string, statusMap: Readonly<Record<string, string>>): Promise<void>;
  /**
   * One transaction: claims `instanceArn` for `tenant` (409 INSTANCE_TAKEN when another tenant holds it), releases the
   * tenant's previous instance and records the new one on the tenant. Returns the released instance, if any.
   */
  bind(tenant: string, instanceArn: string): Promise<{ readonly previous?: string }>;
  /** Releases the tenant's instance (one transaction); returns it, if there was one. */
  unbind(tenant: string): Promise<{ readonly previous?: string }>;
  tenantForInstance(instanceArn: string): Promise<string | undefined>;
}

/** What a status change starts from: its record, and what its commit will need, read together. */
export interface ChangeStart {
  readonly current: AgentStatus | undefined;
  /** Asked for with `profile`: the agent's directory profile. */
  readonly profile?: AgentProfile | undefined;
  /** Asked for with `instance`: the instance bound to the tenant now (a consistent read, like `connectConfig`). */
  readonly instanceArn?: string | undefined;
}

/**
 * Reads a change's starting point in one request (each item consistently): the record, and on request the agent's
 * profile and the tenant's Connect binding — rather than three reads one after another.
 */
export interface ChangeStartReader {
  read(
    tenant: string,
    agent: string,
    want: { readonly profile: boolean; readonly instance: boolean },
  ): Promise<ChangeStart>;
}

/** What the Connect worker checks for an item: the agent's profile, its tenant's binding and the instance's owner. */
export interface SyncTarget {
  readonly profile?: AgentProfile | undefined;
  readonly config?: ConnectConfig | undefined;
  readonly owner?: string | undefined;
}

/** What the Connect worker checks for an item before sending it, read together (each consistently). */
export interface SyncTargetReader {
  read(tenant: string, agent: string, instanceArn: string): Promise<SyncTarget>;
  /** The checks of several items of one instance in one read, in the order of `items`. */
  readMany(
    instanceArn: string,
    items: ReadonlyArray<{ readonly tenant: string; readonly agent: string }>,
  ): Promise<SyncTarget[]>;
}

export interface ReasonStore {
  list(tenant: string): Promise<StatusReason[]>;
  /**
   * Replaces the tenant's list by `mutate(current)`, atomically: a concurrent change re-runs `mutate` on the fresh list
   * (409 REASONS_CONFLICT after a few lost races). `mutate` applies the rules (domain/status-reasons.ts) and may throw.
   */
  change(tenant: string, mutate: (reasons: StatusReason[]) => StatusReason[]): Promise<StatusReason[]>;
}

/** One pending PutUserStatus: the newest status of an agent wins (older ones are overwritten, never sent). */
export interface SyncItem {
  /** The Connect instance bound to the tenant when the change was made: each instance has its own queue and pace. */
  readonly instanceArn: string;
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

/** One queue per Connect instance (Connect's rate limits are per instance). */
export interface ConnectSyncQueue {
  enqueue(item: Omit<SyncItem, 'attempts' | 'notBefore'>): Promise<void>;
  /** Pending items of one instance that may be tried at `nowMs`, oldest first. */
  pending(instanceArn: string, nowMs: number, limit: number): Promise<SyncItem[]>;
  /** Removes the item if no newer status was enqueued meanwhile. */
  complete(item: SyncItem): Promise<void>;
  /** Keeps the item for a later try (unless a newer status replaced it); `counts` adds one to `attempts`. */
  retryLater(item: SyncItem, notBefore: number, error: string, counts: boolean): Promise<void>;
  /** Single-worker lease per instance so two runs never pace one instance independently (doubling its rate). */
  acquireLease(instanceArn: string, owner: string, nowMs: number, durationMs: number): Promise<boolean>;
  releaseLease(instanceArn: string, owner: string): Promise<void>;
  /** Whether a worker holds the instance's lease at `nowMs` (a consistent read). */
  leaseHeld(instanceArn: string, nowMs: number): Promise<boolean>;
}

/** The live tenant status feed (connections that sent `subscribeStatus`). */
export interface StatusFeed {
  publish(tenant: string, event: ServerEvent): Promise<void>;
}

/**
 * Where status changes and agent events go: the feed stream, delivered in coalesced `feed` frames (status-feed.ts).
 * Publishing costs one stream write, never a push: the change's request does not wait for supervisors.
 */
export interface StatusChangeFeed extends StatusFeed {
  /**
   * `agent`: the event is also the agent's own — its connections and its silent monitors get it too, except `origin`,
   * the connection whose request made the change (it has the change on its reply).
   */
  publish(
    tenant: string,
    event: ServerEvent,
    options?: { readonly agent?: string; readonly origin?: string },
  ): Promise<void>;
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
