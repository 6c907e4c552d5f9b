/**
 * The agent directory of a tenant: who the agents are and which groups they belong to. Coaching messages resolve
 * recipients from it; the Connect agent-event consumer keeps `team` and `queues` current from Connect.
 *
 * An agent's id is the same everywhere: the Cognito username (`cognito:username`) and the Amazon Connect username
 * (`CurrentAgentSnapshot.Configuration.Username` in agent events).
 */
export const GROUP_KINDS = ['team', 'queue', 'campaign', 'list'] as const;
export type GroupKind = (typeof GROUP_KINDS)[number];

export interface AgentProfile {
  readonly tenant: string;
  readonly agentId: string;
  readonly displayName: string;
  readonly team?: string;
  readonly queues: readonly string[];
  readonly campaigns: readonly string[];
  readonly lists: readonly string[];
  /** The Connect user id (the UUID at the end of the AgentARN), once Connect has told us. */
  readonly connectUserId?: string;
  /**
   * ISO 8601: when the agent was first added to the directory (kept by every later replace). An agent never seen
   * online has been Offline since then.
   */
  readonly addedAt?: string;
}

/** The Connect-owned part of a profile: written by the agent-event consumer, never by admins' edits of lists. */
export interface ConnectProfileUpdate {
  readonly team?: string;
  readonly queues: readonly string[];
  readonly connectUserId: string;
  readonly displayName?: string;
}

/** A group member as recipient resolution needs it: membership items carry the display name, so no extra reads. */
export interface DirectoryMember {
  readonly agentId: string;
  readonly displayName: string;
}

export interface Page<T> {
  readonly items: T[];
  /** Opaque; absent on the last page. */
  readonly cursor?: string | undefined;
}

export interface DirectoryRepository {
  get(tenant: string, agentId: string): Promise<AgentProfile | undefined>;
  /** Creates or replaces a profile and its group memberships. */
  put(profile: AgentProfile): Promise<void>;
  delete(tenant: string, agentId: string): Promise<void>;
  /** Updates team, queues and the Connect user id (memberships follow); creates the profile when it is new. */
  syncFromConnect(tenant: string, agentId: string, update: ConnectProfileUpdate): Promise<void>;
  /** One page of the agent ids in a group, in id order. */
  listMembers(
    tenant: string,
    kind: GroupKind,
    value: string,
    page?: { cursor?: string | undefined; limit?: number | undefined },
  ): Promise<{ agentIds: string[]; cursor?: string | undefined }>;
}

/**
 * The directory as messaging and the admin routes need it: bulk reads and writes, and group pages with names.
 * Kept apart from `DirectoryRepository` so the Connect consumer and its fakes depend only on the methods they use.
 */
export interface AgentDirectory extends DirectoryRepository {
  /** The profiles among `agentIds` that exist in this tenant (ids of other tenants simply do not resolve). */
  getMany(tenant: string, agentIds: readonly string[]): Promise<AgentProfile[]>;
  /** Creates or replaces many profiles and their memberships (bulk import). */
  putMany(profiles: readonly AgentProfile[]): Promise<void>;
  /** One page of the tenant's agents in id order. */
  listAgents(
    tenant: string,
    page?: { cursor?: string | undefined; limit?: number | undefined },
  ): Promise<Page<AgentProfile>>;
  /** One page of a group's members (with names) in id order. */
  listGroup(
    tenant: string,
    kind: GroupKind,
    value: string,
    page?: { cursor?: string | undefined; limit?: number | undefined },
  ): Promise<Page<DirectoryMember>>;
}

/** The groups a profile belongs to, as (kind, value) pairs without duplicates. */
export function groupsOf(profile: AgentProfile): { kind: GroupKind; value: string }[] {
  const out = new Map<string, { kind: GroupKind; value: string }>();
  const add = (kind: GroupKind, value: string | undefined) => {
    if (value) out.set(`${kind}#${value}`, { kind, value });
  };
  add('team', profile.team);
  for (const q of profile.queues) add('queue', q);
  for (const c of profile.campaigns) add('campaign', c);
  for (const l of profile.lists) add('list', l);
  return [...out.values()];
}

/** Merges what Connect reports into a profile (or starts one): admin-owned campaigns and lists are kept. */
export function mergeConnectUpdate(
  tenant: string,
  agentId: string,
  existing: AgentProfile | undefined,
  update: ConnectProfileUpdate,
): AgentProfile {
  const base: AgentProfile = {
    tenant,
    agentId,
    displayName: update.displayName ?? existing?.displayName ?? agentId,
    queues: update.queues,
    campaigns: existing?.campaigns ?? [],
    lists: existing?.lists ?? [],
    connectUserId: update.connectUserId,
  };
  return update.team === undefined ? base : { ...base, team: update.team };
}
