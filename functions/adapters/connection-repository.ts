import { DeleteCommand, type DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { Clock } from '#domain/clock.ts';
import { epochSeconds } from '#domain/clock.ts';
import type { ConnectionRecord, ConnectionRepository } from '#domain/connections.ts';
import { queryAll } from './dynamo.ts';

/** Connections live under their user: `pk = T#<tenant>#U#<user>`, `sk = C#<connectionId>` — one Query per user. */
export const userKey = (tenant: string, user: string) => `T#${tenant}#U#${user}`;
const connectionSk = (connectionId: string) => `C#${connectionId}`;

export class DynamoConnectionRepository implements ConnectionRepository {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly table: string,
    private readonly clock: Clock,
  ) {}

  async put(record: ConnectionRecord): Promise<void> {
    await this.client.send(
      new PutCommand({
        TableName: this.table,
        Item: {
          pk: userKey(record.tenant, record.user),
          sk: connectionSk(record.connectionId),
          kind: 'connection',
          tenant: record.tenant,
          user: record.user,
          role: record.role,
          connectionId: record.connectionId,
          connectedAt: record.connectedAt,
          ttl: record.expiresAt,
        },
      }),
    );
  }

  async delete(tenant: string, user: string, connectionId: string): Promise<void> {
    await this.client.send(
      new DeleteCommand({ TableName: this.table, Key: { pk: userKey(tenant, user), sk: connectionSk(connectionId) } }),
    );
  }

  async listByUser(tenant: string, user: string): Promise<ConnectionRecord[]> {
    const { items } = await queryAll(this.client, {
      TableName: this.table,
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :c)',
      // DynamoDB deletes expired items lazily: filter them out on read.
      FilterExpression: '#ttl > :now',
      ExpressionAttributeNames: { '#ttl': 'ttl' },
      ExpressionAttributeValues: { ':pk': userKey(tenant, user), ':c': 'C#', ':now': epochSeconds(this.clock.now()) },
    });
    return items.map((item) => ({
      tenant: String(item.tenant),
      user: String(item.user),
      role: item.role as ConnectionRecord['role'],
      connectionId: String(item.connectionId),
      connectedAt: String(item.connectedAt),
      expiresAt: Number(item.ttl),
    }));
  }
}
