import type { Clock } from './clock.ts';
import { epochSeconds } from './clock.ts';
import type { AgentProfile, DirectoryRepository } from './directory.ts';
import { ConflictError, ForbiddenError, NotFoundError } from './errors.ts';
import type { Notifier, ServerEvent } from './notifier.ts';
import type { Principal } from './principal.ts';
import { requireRole } from './principal.ts';
import type { TenantSettings } from './settings.ts';
import {
  type AgentStatus,
  labelOf,
  offlineRecord,
  resolveSettableStatus,
  type StatusCode,
  type StatusReason,
  type StatusSource,
  statusEvent,
  withProfile,
} from './status.ts';
import type {
  ApprovalStore,
  DomainEvents,
  PersistedEffects,
  PresenceStore,
  ReasonStore,
  StatusChangeFeed,
  StatusRequest,
  StatusStore,
} from './status-ports.ts';

export interface SettingsReader {
  get(tenant: string): Promise<TenantSettings>;
}

/** What a status change needs of Amazon Connect. */
export interface StatusConnectPort {
  /** The instance bound to the tenant now (read consistently: a fresh binding counts at once). */
  instanceFor(tenant: string): Promise<string | undefined>;
  /** Starts the paced PutUserStatus worker of the instance at once (best effort: its schedule drains it anyway). */
  kick(instanceArn: string): Promise<void>;
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
}

const MAX_COMMIT_ATTEMPTS = 5;
/** Approval requests nobody decides expire (TTL) after a day. */
const REQUEST_TTL_SECONDS = 24 * 60 * 60;

const iso = (ms: number) => new Date(ms).toISOString();

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
  options: { current?: AgentStatus } = {},
): Promise<CommitResult> {
  let current = options.current;
  let profile: Promise<AgentProfile | undefined> | undefined;
  for (let attempt = 0; attempt < MAX_COMMIT_ATTEMPTS; attempt++) {
    if (!current || attempt > 0)
      current = (await deps.store.get(tenant, agent)) ?? offlineRecord(tenant, agent, iso(deps.clock.now()));
    const decided = decide(current);
    if (!decided) return { previous: current, record: current, written: false };
    // Connect's changes carry the team and queues it just synced into the directory; any other change reads them
    // from the directory (once per commit, whatever the retries).
    if (decided.source !== 'connect' && deps.directory) profile ??= deps.directory.get(tenant, agent);
    const record = normalize(current, withProfile(decided, decided.source === 'connect' ? undefined : await profile));
    const persisted = await persistedEffects(deps, current, record);
    if (await deps.store.commit(record, current.version, persisted)) {
      await afterCommit(deps, current, record, persisted);
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

function visibleChange(a: AgentStatus, b: AgentStatus): boolean {
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

/** The writes that must exist exactly when the change does: committed with the record (`StatusStore.commit`). */
async function persistedEffects(deps: StatusDeps, prev: AgentStatus, next: AgentStatus): Promise<PersistedEffects> {
  if (prev.status === next.status) return {};
  const { tenant, agent } = next;
  const settings = await deps.settings.get(tenant);
  const expiresAt = epochSeconds(deps.clock.now()) + settings.status.logRetentionDays * 86_400;
  // Changes Connect told us about are never sent back to it: that would loop, and burn the 2 requests/s budget.
  const instanceArn = deps.connect && next.source !== 'connect' ? await deps.connect.instanceFor(tenant) : undefined;
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
): Promise<void> {
  const { tenant, agent } = next;
  const steps: Array<[string, () => Promise<unknown>]> = [];
  if (persisted.sync && deps.connect) {
    const { connect } = deps;
    const instance = persisted.sync.instanceArn;
    steps.push(['Connect worker start', () => connect.kick(instance)]);
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
        await deps.feed.publish(tenant, event, { agent });
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
async function pushRequest(deps: StatusDeps, request: StatusRequest, opts: { toAgent: boolean }): Promise<void> {
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

export type SetStatusOutcome =
  | { readonly kind: 'applied'; readonly record: AgentStatus }
  | { readonly kind: 'requested'; readonly request: StatusRequest };

/** An agent chooses a status. A reason that needs approval becomes a request to every supervisor of the tenant. */
export async function setOwnStatus(deps: StatusDeps, principal: Principal, code: string): Promise<SetStatusOutcome> {
  requireRole(principal, ['agent'], 'set their own status');
  const { tenant, user } = principal;
  const reasons = await deps.reasons.list(tenant);
  const target = resolveSettableStatus(code, reasons);
  if (target.needsApproval)
    return { kind: 'requested', request: await requestApproval(deps, principal, target.code, reasons) };
  const { record } = await commitStatus(deps, tenant, user, (cur) => {
    if (cur.status === target.code && !cur.pendingRequest) return undefined;
    const { pendingRequest: _p, ...next } = moveTo(cur, target.code, 'agent', iso(deps.clock.now()), user);
    return next;
  });
  return { kind: 'applied', record };
}

async function requestApproval(
  deps: StatusDeps,
  principal: Principal,
  code: StatusCode,
  reasons: readonly StatusReason[],
): Promise<StatusRequest> {
  const now = deps.clock.now();
  const request: StatusRequest = {
    tenant: principal.tenant,
    id: deps.newId(),
    agent: principal.user,
    status: code,
    label: labelOf(code, reasons),
    state: 'pending',
    requestedAt: iso(now),
  };
  await deps.approvals.create(request, epochSeconds(now) + REQUEST_TTL_SECONDS);
  // The flag on the agent's record is what lets the agent's console (and a reconnecting one) show "awaiting approval".
  await commitStatus(deps, principal.tenant, principal.user, (cur) => ({ ...cur, pendingRequest: request.id }));
  await pushRequest(deps, request, { toAgent: false });
  return request;
}

/**
 * A supervisor accepts or rejects a request. The conditional write on the request decides races: the loser gets 409
 * naming who decided first. Accepting applies the status, unless the agent moved on (another change cancelled it).
 */
export async function decideRequest(
  deps: StatusDeps,
  principal: Principal,
  requestId: string,
  decision: 'accept' | 'reject',
): Promise<{ request: StatusRequest; applied: boolean }> {
  requireRole(principal, ['supervisor', 'admin'], 'decide status requests');
  const { tenant } = principal;
  const state = decision === 'accept' ? 'accepted' : 'rejected';
  const { won, request } = await deps.approvals.decide(tenant, requestId, state, principal.user, iso(deps.clock.now()));
  if (!request) throw new NotFoundError(`No status request ${requestId}`, 'REQUEST_NOT_FOUND');
  if (!won)
    throw new ConflictError(
      `The request was already ${request.state} by ${request.decidedBy ?? 'someone else'}`,
      'REQUEST_ALREADY_DECIDED',
      { state: request.state, decidedBy: request.decidedBy, decidedAt: request.decidedAt },
    );
  const { written } = await commitStatus(deps, tenant, request.agent, (cur) => {
    if (cur.pendingRequest !== requestId) return undefined;
    const { pendingRequest: _p, ...rest } = cur;
    if (state === 'rejected') return rest;
    return moveTo(rest, request.status, 'agent', iso(deps.clock.now()), request.agent);
  });
  await pushRequest(deps, request, { toAgent: true });
  return { request, applied: state === 'accepted' && written };
}

export async function listPendingRequests(
  deps: Pick<StatusDeps, 'approvals'>,
  principal: Principal,
): Promise<StatusRequest[]> {
  requireRole(principal, ['supervisor', 'admin'], 'list status requests');
  return deps.approvals.listPending(principal.tenant);
}

/** A supervisor sets an agent's status; an Offline agent cannot be put to work (409). */
export async function supervisorSetStatus(
  deps: StatusDeps,
  principal: Principal,
  agent: string,
  code: string,
): Promise<AgentStatus> {
  requireRole(principal, ['supervisor', 'admin'], "change agents' statuses");
  const reasons = await deps.reasons.list(principal.tenant);
  const target = resolveSettableStatus(code, reasons);
  const { record } = await commitStatus(deps, principal.tenant, agent, (cur) => {
    if (cur.status === 'offline')
      throw new ConflictError(`${agent} is Offline; only the agent can come back online`, 'AGENT_OFFLINE', {
        agent,
        status: cur.status,
      });
    if (cur.status === target.code) return undefined;
    const { pendingRequest: _p, ...next } = moveTo(
      cur,
      target.code,
      'supervisor',
      iso(deps.clock.now()),
      principal.user,
    );
    return next;
  });
  return record;
}

/** Reads one agent's status: the agent its own, supervisors anyone of their tenant. */
export async function getAgentStatus(
  deps: Pick<StatusDeps, 'store' | 'clock'>,
  principal: Principal,
  agent: string,
): Promise<AgentStatus> {
  requireSelfOrSupervisor(principal, agent);
  return (
    (await deps.store.get(principal.tenant, agent)) ?? offlineRecord(principal.tenant, agent, iso(deps.clock.now()))
  );
}

export function requireSelfOrSupervisor(principal: Principal, agent: string): void {
  if (principal.role === 'agent' && principal.user !== agent)
    throw new ForbiddenError('Agents may read only their own status', 'NOT_YOUR_STATUS');
}

/** Remembers last writes per execution environment, so most pings cost no DynamoDB call at all. */
export type ActivityMemo = Map<string, number>;
/**
 * The stored deadline may be this much older than the agent's real last activity (writes in between are skipped), so
 * it is also the margin a deadline keeps: small, because it adds to how late auto-Offline can be. Clients ping every
 * 30 s, so pings still write each time; only bursts of frames and REST calls are thinned.
 */
export const ACTIVITY_MIN_INTERVAL_MS = 5_000;
const SUPERVISOR_MIN_INTERVAL_MS = 60_000;
const MEMO_MAX = 20_000;

/**
 * Records that a user is alive (ping, frame, REST call). Agents get a presence deadline — last seen + the tenant's
 * inactivity window + the write interval (a skipped write means activity up to 5 s after the stored one, so the
 * deadline must not fire before the window has really elapsed). Supervisors join the roster that receives approval
 * requests live. Writes at most every 5 s (agents) / 60 s (supervisors) per user.
 */
export async function recordActivity(
  deps: Pick<StatusDeps, 'presence' | 'settings' | 'clock'> & { readonly memo?: ActivityMemo },
  principal: Principal,
): Promise<boolean> {
  const now = deps.clock.now();
  const agent = principal.role === 'agent';
  const interval = agent ? ACTIVITY_MIN_INTERVAL_MS : SUPERVISOR_MIN_INTERVAL_MS;
  const key = `${principal.tenant}\u0000${principal.user}`;
  const last = deps.memo?.get(key);
  if (last !== undefined && now - last < interval) return false;
  if (deps.memo) {
    if (deps.memo.size >= MEMO_MAX) deps.memo.clear();
    deps.memo.set(key, now);
  }
  if (!agent) return deps.presence.touchSupervisor(principal.tenant, principal.user, now, interval);
  const settings = await deps.settings.get(principal.tenant);
  const deadline = now + settings.status.inactivityWindowSeconds * 1000 + interval;
  return deps.presence.touch(principal.tenant, principal.user, now, deadline, interval);
}

/**
 * One auto-Offline sweep: agents whose presence deadline passed are set Offline by `system`. The
 * presence entry is cleared first, conditionally on its deadline: an agent who pinged meanwhile moved the deadline,
 * the clear fails and the agent stays as they are.
 */
export async function sweepInactive(
  deps: StatusDeps,
  options: { limit?: number } = {},
): Promise<{ due: number; setOffline: number }> {
  const now = deps.clock.now();
  const due = await deps.presence.due(now, options.limit ?? 1000);
  let setOffline = 0;
  for (const entry of due) {
    if (!(await deps.presence.clear(entry.tenant, entry.agent, entry.deadline))) continue;
    try {
      const { written } = await commitStatus(deps, entry.tenant, entry.agent, (cur) =>
        cur.status === 'offline' ? undefined : moveTo(cur, 'offline', 'system', iso(now)),
      );
      if (written) setOffline++;
    } catch (error) {
      // Put the agent back in the due index so the next run tries again, then let the run fail loudly.
      await deps.presence.touch(entry.tenant, entry.agent, entry.deadline, entry.deadline, 0);
      throw error;
    }
  }
  return { due: due.length, setOffline };
}
