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
}

/** The Connect-owned part of a profile: written by the agent-event consumer, never by admins' edits of lists. */
export interface ConnectProfileUpdate {
  readonly team?: string;
  readonly queues: readonly string[];
  readonly connectUserId: string;
  readonly displayName?: string;
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
    page?: { cursor?: string; limit?: number },
  ): Promise<{ agentIds: string[]; cursor?: string }>;
}
