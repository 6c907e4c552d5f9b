import { ConflictError, ForbiddenError } from './errors.ts';
import type { Principal } from './principal.ts';
import { requireRole } from './principal.ts';
import { type AgentStatus, offlineRecord, resolveSettableStatus } from './status.ts';
import { requestApproval } from './status-approvals.ts';
import { commitStatus, iso, moveTo, type StatusDeps } from './status-commit.ts';
import type { StatusRequest } from './status-ports.ts';

/**
 * Status changes by people and reads of one status. The capability's other parts: the commit engine
 * (status-commit.ts), approval requests (status-approvals.ts), presence and auto-Offline (status-presence.ts); their
 * names are re-exported here for the modules that import them from this one.
 */
export { decideRequest, listPendingRequests } from './status-approvals.ts';
export {
  type CommitResult,
  commitStatus,
  moveTo,
  requestFrame,
  type SettingsReader,
  type StatusConnectPort,
  type StatusDeps,
} from './status-commit.ts';
export { ACTIVITY_MIN_INTERVAL_MS, type ActivityMemo, recordActivity, sweepInactive } from './status-presence.ts';

export type SetStatusOutcome =
  | { readonly kind: 'applied'; readonly record: AgentStatus }
  | { readonly kind: 'requested'; readonly request: StatusRequest };

/**
 * An agent chooses a status. A reason that needs approval becomes a request to every supervisor of the tenant.
 * `origin`: the connection the agent chose it on (its reply carries the change; the agent's other connections are
 * pushed it).
 */
export async function setOwnStatus(
  deps: StatusDeps,
  principal: Principal,
  code: string,
  origin?: string,
): Promise<SetStatusOutcome> {
  requireRole(principal, ['agent'], 'set their own status');
  const { tenant, user } = principal;
  const reasons = await deps.reasons.list(tenant);
  const target = resolveSettableStatus(code, reasons);
  if (target.needsApproval)
    return { kind: 'requested', request: await requestApproval(deps, principal, target.code, reasons) };
  const { record } = await commitStatus(
    deps,
    tenant,
    user,
    (cur) => {
      if (cur.status === target.code && !cur.pendingRequest) return undefined;
      const { pendingRequest: _p, ...next } = moveTo(cur, target.code, 'agent', iso(deps.clock.now()), user);
      return next;
    },
    origin ? { origin } : {},
  );
  return { kind: 'applied', record };
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
