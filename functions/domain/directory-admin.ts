import type { AgentDirectory, AgentProfile } from './directory.ts';
import { NotFoundError } from './errors.ts';
import type { Principal } from './principal.ts';

/**
 * Admin use cases of the agent directory. The tenant always comes from the caller's token: an admin can only ever
 * address agents of their own tenant.
 */
export interface AgentFields {
  readonly displayName: string;
  readonly team?: string | undefined;
  readonly queues: readonly string[];
  readonly campaigns: readonly string[];
  readonly lists: readonly string[];
}

export interface DirectoryDeps {
  readonly directory: AgentDirectory;
}

function profileOf(tenant: string, agentId: string, fields: AgentFields, existing?: AgentProfile): AgentProfile {
  return {
    tenant,
    agentId,
    displayName: fields.displayName,
    queues: [...new Set(fields.queues)],
    campaigns: [...new Set(fields.campaigns)],
    lists: [...new Set(fields.lists)],
    ...(fields.team === undefined ? {} : { team: fields.team }),
    // Connect owns the Connect user id: an admin's edit keeps it.
    ...(existing?.connectUserId === undefined ? {} : { connectUserId: existing.connectUserId }),
  };
}

/** PUT semantics: creates the agent or replaces its admin-editable fields; says which. */
export async function upsertAgent(
  deps: DirectoryDeps,
  principal: Principal,
  agentId: string,
  fields: AgentFields,
): Promise<{ agent: AgentProfile; created: boolean }> {
  const existing = await deps.directory.get(principal.tenant, agentId);
  const agent = profileOf(principal.tenant, agentId, fields, existing);
  await deps.directory.put(agent);
  return { agent, created: existing === undefined };
}

export async function importAgents(
  deps: DirectoryDeps,
  principal: Principal,
  agents: readonly (AgentFields & { readonly agentId: string })[],
): Promise<{ imported: number }> {
  const existing = new Map(
    (
      await deps.directory.getMany(
        principal.tenant,
        agents.map((a) => a.agentId),
      )
    ).map((p) => [p.agentId, p]),
  );
  const profiles = agents.map((a) => profileOf(principal.tenant, a.agentId, a, existing.get(a.agentId)));
  await deps.directory.putMany(profiles);
  return { imported: new Set(profiles.map((p) => p.agentId)).size };
}

export async function getAgent(deps: DirectoryDeps, principal: Principal, agentId: string): Promise<AgentProfile> {
  const agent = await deps.directory.get(principal.tenant, agentId);
  if (!agent) throw new NotFoundError(`No agent ${agentId}`, 'AGENT_NOT_FOUND');
  return agent;
}

/** Idempotent: deleting an absent agent succeeds. */
export async function deleteAgent(deps: DirectoryDeps, principal: Principal, agentId: string): Promise<void> {
  await deps.directory.delete(principal.tenant, agentId);
}

/** A page of the tenant's agents, in the wire shape. */
export async function listAgents(
  deps: DirectoryDeps,
  principal: Principal,
  page: { cursor?: string | undefined; limit?: number | undefined },
): Promise<{ agents: ReturnType<typeof agentView>[]; cursor: string | null }> {
  const found = await deps.directory.listAgents(principal.tenant, page);
  return { agents: found.items.map(agentView), cursor: found.cursor ?? null };
}

/** The wire shape of a profile (the tenant is implied by the caller). */
export function agentView(p: AgentProfile) {
  return {
    agentId: p.agentId,
    displayName: p.displayName,
    team: p.team ?? null,
    queues: p.queues,
    campaigns: p.campaigns,
    lists: p.lists,
    connectUserId: p.connectUserId ?? null,
  };
}
