import type { Clock } from './clock.ts';
import { epochSeconds } from './clock.ts';
import type { AgentProfile, DirectoryRepository } from './directory.ts';
import { ConflictError } from './errors.ts';
import type { Notifier, ServerEvent } from './notifier.ts';
import type { TenantSettings } from './settings.ts';
import {
  type AgentStatus,
  labelOf,
  offlineRecord,
  type StatusCode,
  type StatusSource,
  statusEvent,
  visibleChange,
  withProfile,
} from './status.ts';
import type {
  ApprovalStore,
  ChangeStartReader,
  DomainEvents,
  PersistedEffects,
  PresenceStore,
  ReasonStore,
  StatusChangeFeed,
  StatusRequest,
  StatusStore,
} from './status-ports.ts';

/**
 * The status commit engine: the single write path of agent status records and what follows a change (pushes, domain
 * events, a superseded request cancelled). The use cases that change statuses live in status-service.ts (people),
 * status-approvals.ts (requests), status-presence.ts (auto-Offline) and agent-event-processor.ts (Connect).
 */

export interface SettingsReader {
  get(tenant: string): Promise<TenantSettings>;
}

/** What a status change needs of Amazon Connect. */
export interface StatusConnectPort {
  /** The instance bound to the tenant now (read consistently: a fresh binding counts at once). */
  instanceFor(tenant: string): Promise<string | undefined>;
  /** Starts the paced PutUserStatus worker of the instance at once (best effort: its schedule drains it anyway). */
  kick(instanceArn: string): Promise<void>;
  /**
   * Whether a worker is draining the instance's queue now. Asked after the commit: a worker that holds its lease
   * then looks at the queue again after releasing it (status-connect-sync.ts), so it finds this change's item —
   * no start needed. The port may answer from a read that found the lease held, or a start it made, less than
   * LEASE_RELEASE_GRACE_MS before: every worker's last look waits out the grace after its release (and a started
   * worker releases after its start), so a worker still finds the item.
   */
  draining(instanceArn: string): Promise<boolean>;
}

/** Everything a status change touches. */
export interface StatusDeps {
  readonly store: StatusStore;
  readonly reasons: Pick<ReasonStore, 'list'>;
  readonly approvals: ApprovalStore;
  readonly presence: PresenceStore;
  readonly settings: SettingsReader;
  readonly clock: Clock;
  /** THE notifier (a MonitoringNotifier in production): what the agent receives is mirrored to its monitors. */
  readonly notifier: Notifier;
  /** Status changes go to the feed stream: the agent's own push and the supervisors' feed leave from there. */
  readonly feed: StatusChangeFeed;
  readonly events: DomainEvents;
  /**
   * Present when the deployment serves Connect instances: changes not coming from Connect are queued for the
   * instance bound to the tenant (nothing is queued for a tenant without one).
   */
  readonly connect?: StatusConnectPort;
  readonly newId: () => string;
  /** Best-effort side effects (pushes) report failures here instead of failing a change that is already saved. */
  readonly warn?: (message: string, details: Record<string, unknown>) => void;
  /**
   * The agent directory: where a status record (and so every view and `status` event) takes its `team` and `queues`
   * from — the admin's or Connect's profile, not whatever the record held.
   */
  readonly directory?: Pick<DirectoryRepository, 'get'>;
  /**
   * Reads the record together with what the commit needs (profile, Connect binding) in one request. Changes that
   * bring their record (Connect's) do not use it; a retry after a lost race reads the record alone (`store`).
   */
  readonly changeStart: ChangeStartReader;
}

const MAX_COMMIT_ATTEMPTS = 5;

export const iso = (ms: number) => new Date(ms).toISOString();

/** The record after a status change: `since` moves only when the status does; `by` is who asked. */
export function moveTo(cur: AgentStatus, status: StatusCode, source: StatusSource, atIso: string, by?: string) {
  const { by: _by, ...rest } = cur;
  return {
    ...rest,
    status,
    since: cur.status === status ? cur.since : atIso,
    source,
    ...(by ? { by } : {}),
  } satisfies AgentStatus;
}

export interface CommitResult {
  readonly previous: AgentStatus;
  readonly record: AgentStatus;
  /** False when `decide` saw nothing to change (no write happened). */
  readonly written: boolean;
}

/**
 * The single write path for agent status records: read, let `decide` compute the next record (or `undefined` for
 * "nothing to do"), then write the record and its persisted effects (log entry, session, Connect-sync item) in one
 * transaction, conditional on the version; a lost race re-reads and decides again. What follows the commit — pushes,
 * domain events, cancelling a superseded request, starting the Connect worker — is best effort: it never fails a
 * change that is saved. `decide` may throw (a 409) and is re-run on every attempt against fresh data.
 */
export async function commitStatus(
  deps: StatusDeps,
  tenant: string,
  agent: string,
  decide: (current: AgentStatus) => AgentStatus | undefined,
  options: {
    /**
     * Connect's changes (agent events) bring the record they read: it carries the team and queues Connect just synced
     * into the directory, and they are never queued back to Connect — no profile, binding or record is read here.
     */
    readonly fromConnect?: { readonly current: AgentStatus };
    /** The connection whose request makes the change: its reply carries the change, so no push goes back to it. */
    readonly origin?: string;
  } = {},
): Promise<CommitResult> {
  let current: AgentStatus;
  let profile: AgentProfile | undefined;
  // The binding read with the record serves the first attempt; a retry reads it again with its fresh record.
  let instance: Promise<string | undefined> | undefined;
  if (options.fromConnect) current = options.fromConnect.current;
  else {
    const want = { profile: Boolean(deps.directory), instance: Boolean(deps.connect) };
    const start = await deps.changeStart.read(tenant, agent, want);
    current = start.current ?? offlineRecord(tenant, agent, iso(deps.clock.now()));
    profile = start.profile;
    if (want.instance) instance = Promise.resolve(start.instanceArn);
  }
  for (let attempt = 0; attempt < MAX_COMMIT_ATTEMPTS; attempt++) {
    if (attempt > 0)
      current = (await deps.store.get(tenant, agent)) ?? offlineRecord(tenant, agent, iso(deps.clock.now()));
    const decided = decide(current);
    if (!decided) return { previous: current, record: current, written: false };
    // Any change but Connect's takes the team and queues from the directory (read once, with the record).
    const record = normalize(current, withProfile(decided, decided.source === 'connect' ? undefined : profile));
    const persisted = await persistedEffects(deps, current, record, attempt === 0 ? instance : undefined);
    if (await deps.store.commit(record, current.version, persisted)) {
      await afterCommit(deps, current, record, persisted, options.origin);
      return { previous: current, record, written: true };
    }
  }
  throw new ConflictError(`The status of ${agent} is changing too fast; try again`, 'STATUS_CONTENDED');
}

/** Invariants every write keeps: version bump, session start, no pending request while Offline. */
function normalize(cur: AgentStatus, next: AgentStatus): AgentStatus {
  const { sessionStart: _s, pendingRequest: _p, ...rest } = next;
  const offline = next.status === 'offline';
  const sessionStart = offline ? undefined : cur.status === 'offline' ? next.since : (cur.sessionStart ?? next.since);
  const pendingRequest = offline ? undefined : next.pendingRequest;
  return {
    ...rest,
    version: cur.version + 1,
    ...(sessionStart ? { sessionStart } : {}),
    ...(pendingRequest ? { pendingRequest } : {}),
  };
}

/** The writes that must exist exactly when the change does: committed with the record (`StatusStore.commit`). */
async function persistedEffects(
  deps: StatusDeps,
  prev: AgentStatus,
  next: AgentStatus,
  instance: Promise<string | undefined> | undefined,
): Promise<PersistedEffects> {
  if (prev.status === next.status) return {};
  const { tenant, agent } = next;
  const settings = await deps.settings.get(tenant);
  const expiresAt = epochSeconds(deps.clock.now()) + settings.status.logRetentionDays * 86_400;
  // Changes Connect told us about are never sent back to it: that would loop, and burn the 2 requests/s budget.
  const instanceArn =
    deps.connect && next.source !== 'connect' ? await (instance ?? deps.connect.instanceFor(tenant)) : undefined;
  return {
    log: {
      entry: {
        tenant,
        agent,
        from: prev.status,
        to: next.status,
        at: next.since,
        source: next.source,
        ...(next.by ? { by: next.by } : {}),
      },
      expiresAt,
    },
    ...(prev.status === 'offline' && next.sessionStart
      ? {
          sessionStart: {
            session: { tenant, agent, startedAt: next.sessionStart, startedBy: next.source },
            expiresAt,
          },
        }
      : {}),
    ...(next.status === 'offline' && prev.sessionStart
      ? { sessionEnd: { startedAt: prev.sessionStart, endedAt: next.since, endedBy: next.source } }
      : {}),
    ...(instanceArn
      ? {
          sync: {
            instanceArn,
            tenant,
            agent,
            status: next.status,
            seq: next.version,
            enqueuedAt: deps.clock.now(),
          },
        }
      : {}),
  };
}

/** After the commit: nothing here may fail the change (it is saved); failures are logged as warnings. */
async function afterCommit(
  deps: StatusDeps,
  prev: AgentStatus,
  next: AgentStatus,
  persisted: PersistedEffects,
  origin: string | undefined,
): Promise<void> {
  const { tenant, agent } = next;
  const steps: Array<[string, () => Promise<unknown>]> = [];
  if (persisted.sync && deps.connect) {
    const { connect } = deps;
    const instance = persisted.sync.instanceArn;
    steps.push([
      'Connect worker start',
      async () => {
        // Read after the commit, never before: see `draining`.
        if (await connect.draining(instance)) return;
        await connect.kick(instance);
      },
    ]);
  }
  if (prev.status !== next.status && next.status === 'offline')
    steps.push([
      'session-ended event',
      () =>
        deps.events.publish({
          type: 'agent-session-ended',
          tenant,
          agent,
          ...(prev.sessionStart ? { startedAt: prev.sessionStart } : {}),
          endedAt: next.since,
          source: next.source,
        }),
    ]);
  const pending = prev.pendingRequest;
  if (pending && pending !== next.pendingRequest)
    steps.push(['request cancel', () => cancelRequest(deps, tenant, pending, next.by ?? next.source)]);
  if (visibleChange(prev, next))
    steps.push([
      'status feed publish',
      async () => {
        const reasons = await deps.reasons.list(tenant);
        const event = statusEvent(next, prev.status, labelOf(next.status, reasons));
        // One stream write: the agent's other connections, its monitors and the feed subscribers are pushed by the
        // feed consumer, so the change is answered without waiting for any of them.
        await deps.feed.publish(tenant, event, { agent, ...(origin ? { origin } : {}) });
      },
    ]);
  for (const [what, step] of steps) {
    try {
      await step();
    } catch (error) {
      deps.warn?.(`${what} failed after the status was saved`, { tenant, agent, error: String(error) });
    }
  }
}

async function bestEffort(deps: StatusDeps, what: string, pushes: Promise<unknown>[]): Promise<void> {
  for (const outcome of await Promise.allSettled(pushes))
    if (outcome.status === 'rejected') deps.warn?.(`${what} failed`, { error: String(outcome.reason) });
}

/** A pending request superseded by another change is cancelled, and supervisors' consoles close it. */
async function cancelRequest(deps: StatusDeps, tenant: string, id: string, by: string): Promise<void> {
  const { won, request } = await deps.approvals.decide(tenant, id, 'cancelled', by, iso(deps.clock.now()));
  if (won && request) await pushRequest(deps, request, { toAgent: false });
}

export function requestFrame(request: StatusRequest): ServerEvent {
  return {
    type: 'status-request',
    requestId: request.id,
    agent: request.agent,
    status: request.status,
    label: request.label,
    state: request.state,
    requestedAt: request.requestedAt,
    ...(request.decidedBy ? { decidedBy: request.decidedBy, decidedAt: request.decidedAt } : {}),
  };
}

/** Pushes a request to the supervisors online (and the agent); best effort — the request itself is saved. */
export async function pushRequest(deps: StatusDeps, request: StatusRequest, opts: { toAgent: boolean }): Promise<void> {
  const frame = requestFrame(request);
  let supervisors: string[] = [];
  try {
    supervisors = await deps.presence.supervisors(request.tenant, deps.clock.now());
  } catch (error) {
    deps.warn?.('request push failed', { error: String(error) });
  }
  await bestEffort(deps, 'request push', [
    deps.notifier.toUsers(request.tenant, supervisors, frame),
    ...(opts.toAgent ? [deps.notifier.toUser(request.tenant, request.agent, frame)] : []),
  ]);
}
