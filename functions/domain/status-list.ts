import type { AgentDirectory, AgentProfile, GroupKind } from './directory.ts';
import { BadRequestError } from './errors.ts';
import type { Principal } from './principal.ts';
import { requireRole } from './principal.ts';
import { type AgentStatus, isBuiltIn, isReasonCode, offlineRecord, type StatusCode, withProfile } from './status.ts';
import type { StatusPage } from './status-ports.ts';
import type { StatusDeps } from './status-service.ts';

/** The supervisor's list of agents and their statuses (`GET /status/agents`, the `subscribeStatus` snapshot). */
export interface ListFilter {
  readonly statuses?: readonly StatusCode[];
  readonly team?: string;
  readonly queue?: string;
  readonly cursor?: string | undefined;
  readonly limit: number;
}

/** Since when an agent who never had a status record has been Offline: since the directory got them. */
const NEVER_SEEN_SINCE = '1970-01-01T00:00:00.000Z';

/**
 * The supervisor's list, with every agent's team and queues from the directory. Three ways to a page:
 * - by team or queue: the directory's group membership drives the page (a Query on the group, then BatchGets of
 *   statuses and profiles);
 * - by statuses that do not include Offline: the status records themselves (a Query per status on gsi1, merged) —
 *   an agent never seen cannot hold such a status;
 * - otherwise (no filter, or Offline among the statuses): the directory roster in agent id order, so agents who never
 *   set a status are listed too — Offline since they were added to the directory, a `since` that does not move.
 * A filtered page may hold fewer than `limit` agents: follow `cursor` until it is absent. Unknown statuses are 400.
 */
export async function listAgents(
  deps: Pick<StatusDeps, 'store' | 'reasons'> & {
    readonly directory: Pick<AgentDirectory, 'listMembers' | 'listAgents' | 'getMany'>;
  },
  principal: Principal,
  filter: ListFilter,
): Promise<StatusPage> {
  requireRole(principal, ['supervisor', 'admin'], 'list agent statuses');
  const { tenant } = principal;
  if (filter.statuses) {
    const reasons = await deps.reasons.list(tenant);
    for (const code of filter.statuses)
      if (!isBuiltIn(code) && !(isReasonCode(code) && reasons.some((r) => `reason:${r.id}` === code)))
        throw new BadRequestError('UNKNOWN_STATUS', `Unknown status "${code}"`);
  }
  const page = { ...(filter.cursor ? { cursor: filter.cursor } : {}), limit: filter.limit };
  const group: [GroupKind, string] | undefined = filter.team
    ? ['team', filter.team]
    : filter.queue
      ? ['queue', filter.queue]
      : undefined;
  let ids: string[];
  let cursor: string | undefined;
  let profiles: Map<string, AgentProfile>;
  let records: Map<string, AgentStatus>;
  if (group) {
    const members = await deps.directory.listMembers(tenant, group[0], group[1], page);
    ids = members.agentIds;
    cursor = members.cursor;
    [records, profiles] = await Promise.all([
      deps.store.getMany(tenant, ids),
      deps.directory.getMany(tenant, ids).then(byAgent),
    ]);
  } else if (filter.statuses && !filter.statuses.includes('offline')) {
    const byStatus = await deps.store.list(tenant, filter);
    ids = byStatus.items.map((r) => r.agent);
    cursor = byStatus.cursor;
    records = new Map(byStatus.items.map((r) => [r.agent, r]));
    profiles = byAgent(await deps.directory.getMany(tenant, ids));
  } else {
    const roster = await deps.directory.listAgents(tenant, page);
    ids = roster.items.map((p) => p.agentId);
    cursor = roster.cursor;
    profiles = byAgent(roster.items);
    records = await deps.store.getMany(tenant, ids);
  }
  const items = ids
    .map((id) => {
      const profile = profiles.get(id);
      const record = records.get(id) ?? offlineRecord(tenant, id, profile?.addedAt ?? NEVER_SEEN_SINCE);
      return withProfile(record, profile);
    })
    .filter((r) => !filter.statuses || filter.statuses.includes(r.status));
  return cursor ? { items, cursor } : { items };
}

const byAgent = (profiles: readonly AgentProfile[]) => new Map(profiles.map((p) => [p.agentId, p]));
