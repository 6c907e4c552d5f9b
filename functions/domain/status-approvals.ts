import { epochSeconds } from './clock.ts';
import { ConflictError, NotFoundError } from './errors.ts';
import type { Principal } from './principal.ts';
import { requireRole } from './principal.ts';
import { labelOf, type StatusCode, type StatusReason } from './status.ts';
import { commitStatus, iso, moveTo, pushRequest, type StatusDeps } from './status-commit.ts';
import type { StatusRequest } from './status-ports.ts';

/** Approval requests: a reason that needs approval becomes a request every supervisor online sees; one decides. */

/** Approval requests nobody decides expire (TTL) after a day. */
const REQUEST_TTL_SECONDS = 24 * 60 * 60;

export async function requestApproval(
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
