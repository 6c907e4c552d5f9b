import { DeleteCommand, type DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { Clock } from '#domain/clock.ts';
import { epochSeconds } from '#domain/clock.ts';
import type { Subscription, SubscriptionStore } from '#domain/monitoring.ts';
import { batchWriteAll, type Item, queryAll } from './dynamo.ts';

/**
 * Subscriptions of supervisors' connections:
 *   T#<t>#MON#FEED     C#<connectionId>               the tenant status feed
 *   T#<t>#MON#AGENTS   A#<agent>#C#<connectionId>     silent monitors (one partition per tenant: one Query tells
 *                                                     which agents are watched at all)
 * Both carry `ttl` = the connection's longest possible life.
 */
const feedPk = (tenant: string) => `T#${tenant}#MON#FEED`;
const monitorsPk = (tenant: string) => `T#${tenant}#MON#AGENTS`;

function toSub(item: Item): Subscription {
  return {
    tenant: String(item.tenant),
    connectionId: String(item.connectionId),
    user: String(item.user),
    ...(item.agent ? { agent: String(item.agent) } : {}),
    expiresAt: Number(item.ttl),
  };
}

export class DynamoSubscriptionStore implements SubscriptionStore {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly table: string,
    private readonly clock: Clock,
  ) {}

  async addFeed(sub: Subscription): Promise<void> {
    await this.client.send(
      new PutCommand({
        TableName: this.table,
        Item: { pk: feedPk(sub.tenant), sk: `C#${sub.connectionId}`, kind: 'status-feed', ...sub, ttl: sub.expiresAt },
      }),
    );
  }

  async removeFeed(tenant: string, connectionId: string): Promise<void> {
    await this.client.send(
      new DeleteCommand({ TableName: this.table, Key: { pk: feedPk(tenant), sk: `C#${connectionId}` } }),
    );
  }

  async feed(tenant: string): Promise<Subscription[]> {
    // Strongly consistent (monitors too): the feed consumer reads them per batch, and a connection that subscribed
    // (then read its snapshot) must get every change committed after that.
    return this.live(feedPk(tenant), true);
  }

  async addMonitor(sub: Subscription & { readonly agent: string }): Promise<void> {
    await this.client.send(
      new PutCommand({
        TableName: this.table,
        Item: {
          pk: monitorsPk(sub.tenant),
          sk: `A#${sub.agent}#C#${sub.connectionId}`,
          kind: 'monitor',
          ...sub,
          ttl: sub.expiresAt,
        },
      }),
    );
  }

  async removeMonitor(tenant: string, agent: string, connectionId: string): Promise<void> {
    await this.client.send(
      new DeleteCommand({ TableName: this.table, Key: { pk: monitorsPk(tenant), sk: `A#${agent}#C#${connectionId}` } }),
    );
  }

  async monitors(tenant: string): Promise<Subscription[]> {
    return this.live(monitorsPk(tenant), true);
  }

  async removeConnection(tenant: string, connectionId: string): Promise<void> {
    const { items } = await queryAll(this.client, {
      TableName: this.table,
      KeyConditionExpression: 'pk = :pk',
      FilterExpression: 'connectionId = :c',
      ExpressionAttributeValues: { ':pk': monitorsPk(tenant), ':c': connectionId },
    });
    await batchWriteAll(this.client, this.table, [
      { DeleteRequest: { Key: { pk: feedPk(tenant), sk: `C#${connectionId}` } } },
      ...items.map((i) => ({ DeleteRequest: { Key: { pk: i.pk, sk: i.sk } } })),
    ]);
  }

  private async live(pk: string, consistent = false): Promise<Subscription[]> {
    const { items } = await queryAll(this.client, {
      TableName: this.table,
      ...(consistent ? { ConsistentRead: true } : {}),
      KeyConditionExpression: 'pk = :pk',
      // DynamoDB deletes expired items lazily: a subscription past its connection's life is ignored.
      FilterExpression: '#ttl > :now',
      ExpressionAttributeNames: { '#ttl': 'ttl' },
      ExpressionAttributeValues: { ':pk': pk, ':now': epochSeconds(this.clock.now()) },
    });
    return items.map(toSub);
  }
}
