import { DeleteCommand, type DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import { type Clock, systemClock } from '#domain/clock.ts';
import {
  type AgentDirectory,
  type AgentProfile,
  type ConnectProfileUpdate,
  type DirectoryMember,
  type GroupKind,
  groupsOf,
  mergeConnectUpdate,
  type Page,
} from '#domain/directory.ts';
import { batchGetAll, batchWriteAll, type Item, queryPage } from './dynamo.ts';

/**
 * The agent directory on the main table.
 *   profile      pk = T#<tenant>#AGENTS            sk = A#<agentId>   (listing the tenant's agents is one Query)
 *   membership   pk = T#<tenant>#G#<kind>#<value>  sk = A#<agentId>   (resolving a group is one paginated Query)
 * Membership items carry the display name, so resolving recipients and previewing names needs no second read.
 *
 * Writes go memberships first, profile last: the profile is the record of which memberships exist, so a write that
 * fails halfway leaves the old profile in place and a retry computes the same difference again.
 */
export const agentsPk = (tenant: string) => `T#${tenant}#AGENTS`;
export const groupPk = (tenant: string, kind: GroupKind, value: string) => `T#${tenant}#G#${kind}#${value}`;
export const agentSk = (agentId: string) => `A#${agentId}`;

export function profileItem(p: AgentProfile): Item {
  return {
    pk: agentsPk(p.tenant),
    sk: agentSk(p.agentId),
    kind: 'agent',
    tenant: p.tenant,
    agentId: p.agentId,
    displayName: p.displayName,
    team: p.team,
    queues: [...p.queues],
    campaigns: [...p.campaigns],
    lists: [...p.lists],
    connectUserId: p.connectUserId,
    addedAt: p.addedAt,
  };
}

export function membershipItem(tenant: string, kind: GroupKind, value: string, member: DirectoryMember): Item {
  return {
    pk: groupPk(tenant, kind, value),
    sk: agentSk(member.agentId),
    kind: 'membership',
    tenant,
    group: kind,
    value,
    agentId: member.agentId,
    displayName: member.displayName,
  };
}

const strings = (value: unknown): string[] => (Array.isArray(value) ? value.map(String) : []);

export function toProfile(item: Item): AgentProfile {
  const base: AgentProfile = {
    tenant: String(item.tenant),
    agentId: String(item.agentId),
    displayName: String(item.displayName ?? item.agentId),
    queues: strings(item.queues),
    campaigns: strings(item.campaigns),
    lists: strings(item.lists),
  };
  return {
    ...base,
    ...(typeof item.team === 'string' ? { team: item.team } : {}),
    ...(typeof item.connectUserId === 'string' ? { connectUserId: item.connectUserId } : {}),
    ...(typeof item.addedAt === 'string' ? { addedAt: item.addedAt } : {}),
  };
}

const MAX_LIMIT = 1000;
const clampLimit = (limit: number | undefined, fallback: number) => Math.min(Math.max(1, limit ?? fallback), MAX_LIMIT);

export class DynamoDirectoryRepository implements AgentDirectory {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly table: string,
    private readonly clock: Clock = systemClock,
  ) {}

  async get(tenant: string, agentId: string): Promise<AgentProfile | undefined> {
    const out = await this.client.send(
      new GetCommand({
        TableName: this.table,
        Key: { pk: agentsPk(tenant), sk: agentSk(agentId) },
        ConsistentRead: true,
      }),
    );
    return out.Item ? toProfile(out.Item) : undefined;
  }

  async getMany(tenant: string, agentIds: readonly string[]): Promise<AgentProfile[]> {
    const keys = [...new Set(agentIds)].map((id) => ({ pk: agentsPk(tenant), sk: agentSk(id) }));
    return (await batchGetAll(this.client, this.table, keys, { concurrency: 8 })).map(toProfile);
  }

  async put(profile: AgentProfile): Promise<void> {
    await this.putMany([profile]);
  }

  async putMany(profiles: readonly AgentProfile[]): Promise<void> {
    if (profiles.length === 0) return;
    // Last one wins within a call; a batch may not name the same key twice.
    const byKey = new Map<string, AgentProfile>();
    for (const p of profiles) byKey.set(`${p.tenant}\n${p.agentId}`, p);
    const unique = [...byKey.values()];
    const olds = new Map<string, AgentProfile>();
    const tenants = new Set(unique.map((p) => p.tenant));
    for (const tenant of tenants) {
      const ids = unique.filter((p) => p.tenant === tenant).map((p) => p.agentId);
      for (const old of await this.getMany(tenant, ids)) olds.set(`${tenant}\n${old.agentId}`, old);
    }
    const membershipWrites: Parameters<typeof batchWriteAll>[2][number][] = [];
    const nowIso = new Date(this.clock.now()).toISOString();
    const stored = unique.map((p) => ({
      ...p,
      // First added keeps its date through every replace, import and Connect update.
      addedAt: olds.get(`${p.tenant}\n${p.agentId}`)?.addedAt ?? p.addedAt ?? nowIso,
    }));
    for (const p of unique) {
      const old = olds.get(`${p.tenant}\n${p.agentId}`);
      const now = groupsOf(p);
      const keep = new Set(now.map((g) => `${g.kind}#${g.value}`));
      for (const g of old ? groupsOf(old) : []) {
        if (!keep.has(`${g.kind}#${g.value}`)) {
          membershipWrites.push({
            DeleteRequest: { Key: { pk: groupPk(p.tenant, g.kind, g.value), sk: agentSk(p.agentId) } },
          });
        }
      }
      // Every current membership is rewritten: it carries the display name, which may have changed.
      for (const g of now) {
        membershipWrites.push({
          PutRequest: {
            Item: membershipItem(p.tenant, g.kind, g.value, { agentId: p.agentId, displayName: p.displayName }),
          },
        });
      }
    }
    await batchWriteAll(this.client, this.table, membershipWrites);
    await batchWriteAll(
      this.client,
      this.table,
      stored.map((p) => ({ PutRequest: { Item: profileItem(p) } })),
    );
  }

  async delete(tenant: string, agentId: string): Promise<void> {
    const old = await this.get(tenant, agentId);
    if (!old) return;
    await batchWriteAll(
      this.client,
      this.table,
      groupsOf(old).map((g) => ({
        DeleteRequest: { Key: { pk: groupPk(tenant, g.kind, g.value), sk: agentSk(agentId) } },
      })),
    );
    await this.client.send(
      new DeleteCommand({ TableName: this.table, Key: { pk: agentsPk(tenant), sk: agentSk(agentId) } }),
    );
  }

  async syncFromConnect(tenant: string, agentId: string, update: ConnectProfileUpdate): Promise<void> {
    const existing = await this.get(tenant, agentId);
    await this.put(mergeConnectUpdate(tenant, agentId, existing, update));
  }

  async listAgents(
    tenant: string,
    page: { cursor?: string | undefined; limit?: number | undefined } = {},
  ): Promise<Page<AgentProfile>> {
    const pk = agentsPk(tenant);
    const out = await this.fill(pk, page.cursor, clampLimit(page.limit, 100));
    return { items: out.items.map(toProfile), ...(out.cursor ? { cursor: out.cursor } : {}) };
  }

  async listGroup(
    tenant: string,
    kind: GroupKind,
    value: string,
    page: { cursor?: string | undefined; limit?: number | undefined } = {},
  ): Promise<Page<DirectoryMember>> {
    const pk = groupPk(tenant, kind, value);
    const out = await this.fill(pk, page.cursor, clampLimit(page.limit, MAX_LIMIT));
    return {
      items: out.items.map((item) => ({
        agentId: String(item.agentId),
        displayName: String(item.displayName ?? item.agentId),
      })),
      ...(out.cursor ? { cursor: out.cursor } : {}),
    };
  }

  async listMembers(
    tenant: string,
    kind: GroupKind,
    value: string,
    page?: { cursor?: string | undefined; limit?: number | undefined },
  ): Promise<{ agentIds: string[]; cursor?: string | undefined }> {
    const out = await this.listGroup(tenant, kind, value, page);
    return { agentIds: out.items.map((m) => m.agentId), ...(out.cursor ? { cursor: out.cursor } : {}) };
  }

  /**
   * One page of `limit` items of a partition: a Query stops at `Limit` *or* at 1 MB, so it keeps following
   * `LastEvaluatedKey` until the page is full or the partition is exhausted.
   */
  private fill(
    pk: string,
    cursor: string | undefined,
    limit: number,
  ): Promise<{ items: Item[]; cursor?: string | undefined }> {
    return queryPage(
      this.client,
      {
        TableName: this.table,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :a)',
        ExpressionAttributeValues: { ':pk': pk, ':a': 'A#' },
      },
      { cursor, limit },
      { attribute: 'pk', value: pk },
    );
  }
}
