import { type DynamoDBDocumentClient, GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { Clock } from '#domain/clock.ts';
import { epochSeconds } from '#domain/clock.ts';
import { type ConnectionRecord, type ConnectionRepository, connectionRecordTtl } from '#domain/connections.ts';
import type { Role } from '#domain/principal.ts';
import { batchGetAll, isConditionFailure } from './dynamo.ts';

/**
 * One item per user holds that user's open connections: `pk = T#<tenant>#U#<user>`, `sk = CONNS`, a map
 * `conns: { <connectionId>: { role, connectedAt, expiresAt } }`. A user has a handful of connections at most (tabs,
 * a reconnect racing a stale socket), so the map stays tiny — and a fan-out to thousands of users finds all their
 * connections with BatchGetItem, 100 users per request, instead of one Query per user. Each connection is added and
 * removed by its own map-path update, so concurrent connects and disconnects of one user never overwrite each other.
 * The item's `ttl` follows the newest connection: DynamoDB drops the item once every connection in it is stale.
 */
export const userKey = (tenant: string, user: string) => `T#${tenant}#U#${user}`;
const SK = 'CONNS';

interface StoredConnection {
  readonly role: Role;
  readonly connectedAt: string;
  readonly expiresAt: number;
}

export class DynamoConnectionRepository implements ConnectionRepository {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly table: string,
    private readonly clock: Clock,
  ) {}

  async put(record: ConnectionRecord): Promise<void> {
    const key = { pk: userKey(record.tenant, record.user), sk: SK };
    const value: StoredConnection = { role: record.role, connectedAt: record.connectedAt, expiresAt: record.expiresAt };
    const names = { '#conns': 'conns', '#id': record.connectionId, '#ttl': 'ttl' };
    // The item lives as long as its newest connection can; a connection's own (token-capped) end is `expiresAt`.
    const connectedMs = Date.parse(record.connectedAt);
    const ttl = Number.isFinite(connectedMs)
      ? Math.max(record.expiresAt, connectionRecordTtl(connectedMs))
      : record.expiresAt;
    try {
      // The usual case: the user's item exists; add this connection to its map.
      await this.client.send(
        new UpdateCommand({
          TableName: this.table,
          Key: key,
          UpdateExpression: 'SET #conns.#id = :c, #ttl = :ttl',
          ConditionExpression: 'attribute_exists(#conns)',
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: { ':c': value, ':ttl': ttl },
        }),
      );
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
      try {
        // First connection: create the map — unless a concurrent connect of the same user just did.
        await this.client.send(
          new UpdateCommand({
            TableName: this.table,
            Key: key,
            UpdateExpression: 'SET #conns = :m, #ttl = :ttl, kind = :kind, tenant = :t, #user = :u',
            ConditionExpression: 'attribute_not_exists(#conns)',
            ExpressionAttributeNames: { '#conns': 'conns', '#ttl': 'ttl', '#user': 'user' },
            ExpressionAttributeValues: {
              ':m': { [record.connectionId]: value },
              ':ttl': ttl,
              ':kind': 'connections',
              ':t': record.tenant,
              ':u': record.user,
            },
          }),
        );
      } catch (second) {
        if (!isConditionFailure(second)) throw second;
        await this.put(record);
      }
    }
  }

  async delete(tenant: string, user: string, connectionId: string): Promise<void> {
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.table,
          Key: { pk: userKey(tenant, user), sk: SK },
          UpdateExpression: 'REMOVE #conns.#id',
          ConditionExpression: 'attribute_exists(#conns)',
          ExpressionAttributeNames: { '#conns': 'conns', '#id': connectionId },
        }),
      );
    } catch (error) {
      // No item: nothing to remove (a missing record is not an error).
      if (!isConditionFailure(error)) throw error;
    }
  }

  async listByUser(tenant: string, user: string): Promise<ConnectionRecord[]> {
    const out = await this.client.send(
      new GetCommand({ TableName: this.table, Key: { pk: userKey(tenant, user), sk: SK }, ConsistentRead: true }),
    );
    return out.Item ? this.records(tenant, user, out.Item) : [];
  }

  async listByUsers(tenant: string, users: readonly string[]): Promise<ConnectionRecord[]> {
    const unique = [...new Set(users)];
    if (unique.length === 1 && unique[0] !== undefined) return this.listByUser(tenant, unique[0]);
    const items = await batchGetAll(
      this.client,
      this.table,
      unique.map((user) => ({ pk: userKey(tenant, user), sk: SK })),
    );
    return items.flatMap((item) => this.records(tenant, String(item.user), item));
  }

  /** The live connections of an item (DynamoDB deletes lazily, and the map keeps stale entries until a 410). */
  private records(tenant: string, user: string, item: Record<string, unknown>): ConnectionRecord[] {
    const now = epochSeconds(this.clock.now());
    const conns = (item.conns ?? {}) as Record<string, StoredConnection>;
    return Object.entries(conns)
      .filter(([, c]) => Number(c.expiresAt) > now)
      .map(([connectionId, c]) => ({
        tenant,
        user,
        role: c.role,
        connectionId,
        connectedAt: c.connectedAt,
        expiresAt: Number(c.expiresAt),
      }));
  }
}
