import type { Clock } from './clock.ts';
import { BadRequestError } from './errors.ts';
import type { Principal } from './principal.ts';
import { requireRole } from './principal.ts';
import type { StatusCode, StatusLogEntry, StatusReason } from './status.ts';
import type { AgentSession, ReasonStore, StatusStore } from './status-ports.ts';
import { type ReasonPatch, withReasonAdded, withReasonPatched } from './status-reasons.ts';
import { requireSelfOrSupervisor, type SettingsReader } from './status-service.ts';
import { addDays, localMidnight, type WorkloadDay, workload } from './status-workload.ts';

/** Reasons, log and reports: the admin and reporting side of the status capability (Connect: connect-binding.ts). */

export async function createReason(
  deps: { reasons: ReasonStore; newId: () => string },
  principal: Principal,
  input: { name: string; needsApproval: boolean; connectAgentStatusId?: string | undefined },
): Promise<StatusReason> {
  requireRole(principal, ['admin'], 'manage inactivity reasons');
  const id =
    deps
      .newId()
      .replace(/[^a-z0-9]/g, '')
      .slice(0, 12) || 'r';
  const reason: StatusReason = {
    id,
    name: input.name,
    needsApproval: input.needsApproval,
    retired: false,
    ...(input.connectAgentStatusId ? { connectAgentStatusId: input.connectAgentStatusId } : {}),
  };
  await deps.reasons.change(principal.tenant, (reasons) => withReasonAdded(reasons, reason));
  return reason;
}

export async function updateReason(
  deps: { reasons: ReasonStore },
  principal: Principal,
  id: string,
  patch: ReasonPatch,
): Promise<StatusReason> {
  requireRole(principal, ['admin'], 'manage inactivity reasons');
  let updated: StatusReason | undefined;
  await deps.reasons.change(principal.tenant, (reasons) => {
    const next = withReasonPatched(reasons, id, patch);
    updated = next.updated;
    return next.reasons;
  });
  // `change` resolves only after `mutate` ran and its result was stored.
  return updated as StatusReason;
}

const MAX_RANGE_DAYS = 31;

function checkRange(fromMs: number, toMs: number): void {
  if (!(toMs > fromMs)) throw new BadRequestError('BAD_RANGE', '"to" must be after "from"');
  if (toMs - fromMs > MAX_RANGE_DAYS * 86_400_000)
    throw new BadRequestError('RANGE_TOO_LONG', `A range covers at most ${MAX_RANGE_DAYS} days`);
}

export async function readStatusLog(
  deps: { store: StatusStore; clock: Clock },
  principal: Principal,
  agent: string,
  range: { from?: string | undefined; to?: string | undefined },
): Promise<{ entries: StatusLogEntry[]; sessions: AgentSession[] }> {
  requireSelfOrSupervisor(principal, agent);
  const toMs = range.to ? Date.parse(range.to) : deps.clock.now();
  const fromMs = range.from ? Date.parse(range.from) : toMs - 86_400_000;
  checkRange(fromMs, toMs);
  const from = new Date(fromMs).toISOString();
  const to = new Date(toMs).toISOString();
  const [entries, sessions] = await Promise.all([
    deps.store.readLog(principal.tenant, agent, from, to),
    deps.store.listSessions(principal.tenant, agent, from, to),
  ]);
  return { entries, sessions };
}

/** Time per status per day in the tenant's time zone, for one agent. */
export async function agentWorkload(
  deps: { store: StatusStore; clock: Clock; settings: SettingsReader },
  principal: Principal,
  agent: string,
  range: { from: string; to: string },
): Promise<{ agent: string; timeZone: string; days: WorkloadDay[] }> {
  requireSelfOrSupervisor(principal, agent);
  const { timeZone } = (await deps.settings.get(principal.tenant)).general;
  if (range.to < range.from) throw new BadRequestError('BAD_RANGE', '"to" must not be before "from"');
  const startMs = localMidnight(range.from, timeZone);
  const endMs = localMidnight(addDays(range.to, 1), timeZone);
  checkRange(startMs, endMs);
  const start = new Date(startMs).toISOString();
  const [before, entries] = await Promise.all([
    deps.store.lastLogBefore(principal.tenant, agent, start),
    deps.store.readLog(principal.tenant, agent, start, new Date(endMs).toISOString()),
  ]);
  const initial: StatusCode = before?.to ?? 'offline';
  return { agent, timeZone, days: workload(initial, entries, range.from, range.to, timeZone, deps.clock.now()) };
}
