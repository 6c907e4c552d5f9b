import {
  DeleteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import type { StatusCode } from '#domain/status.ts';
import type { ConnectSyncQueue, SyncItem } from '#domain/status-ports.ts';
import { isConditionFailure, queryAll } from './dynamo.ts';

/**
 * The PutUserStatus queues, one partition per Connect instance (Connect's rate limits are per instance, so tenants
 * on different instances never wait for each other):
 *
 *   CONNECT#SYNC#<instanceArn>   T#<t>#A#<agent>   the newest unsent status of an agent
 *   CONNECT#SYNC#<instanceArn>   LEASE             the one worker pacing this instance
 */
const queuePk = (instanceArn: string) => `CONNECT#SYNC#${instanceArn}`;
const itemSk = (tenant: string, agent: string) => `T#${tenant}#A#${agent}`;

/** The Put that enqueues `item`; also used inside the status commit transaction. */
export function syncQueuePut(table: string, item: Omit<SyncItem, 'attempts' | 'notBefore'>) {
  return {
    TableName: table,
    // One item per agent and instance: a newer status replaces an unsent older one (only the newest matters).
    Item: {
      pk: queuePk(item.instanceArn),
      sk: itemSk(item.tenant, item.agent),
      kind: 'connect-sync',
      ...item,
      attempts: 0,
      notBefore: 0,
    },
  };
}

export class DynamoSyncQueue implements ConnectSyncQueue {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  async enqueue(item: Omit<SyncItem, 'attempts' | 'notBefore'>): Promise<void> {
    await this.client.send(new PutCommand(syncQueuePut(this.table, item)));
  }

  async pending(instanceArn: string, nowMs: number, limit: number): Promise<SyncItem[]> {
    const { items } = await queryAll(this.client, {
      TableName: this.table,
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :t)',
      FilterExpression: 'notBefore <= :now',
      ExpressionAttributeValues: { ':pk': queuePk(instanceArn), ':t': 'T#', ':now': nowMs },
      ConsistentRead: true,
    });
    return items
      .map((i) => ({
        instanceArn,
        tenant: String(i.tenant),
        agent: String(i.agent),
        status: i.status as StatusCode,
        seq: Number(i.seq),
        enqueuedAt: Number(i.enqueuedAt),
        attempts: Number(i.attempts ?? 0),
        notBefore: Number(i.notBefore ?? 0),
      }))
      .sort((a, b) => a.enqueuedAt - b.enqueuedAt)
      .slice(0, limit);
  }

  async complete(item: SyncItem): Promise<void> {
    try {
      await this.client.send(
        new DeleteCommand({
          TableName: this.table,
          Key: { pk: queuePk(item.instanceArn), sk: itemSk(item.tenant, item.agent) },
          ConditionExpression: 'seq = :seq',
          ExpressionAttributeValues: { ':seq': item.seq },
        }),
      );
    } catch (error) {
      // A newer status was enqueued meanwhile: it stays and is sent on its own.
      if (!isConditionFailure(error)) throw error;
    }
  }

  async retryLater(item: SyncItem, notBefore: number, error: string, counts: boolean): Promise<void> {
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.table,
          Key: { pk: queuePk(item.instanceArn), sk: itemSk(item.tenant, item.agent) },
          UpdateExpression: 'SET notBefore = :nb, attempts = :n, lastError = :e',
          ConditionExpression: 'seq = :seq',
          ExpressionAttributeValues: {
            ':nb': notBefore,
            ':n': item.attempts + (counts ? 1 : 0),
            ':e': error.slice(0, 500),
            ':seq': item.seq,
          },
        }),
      );
    } catch (e) {
      if (!isConditionFailure(e)) throw e;
    }
  }

  async acquireLease(instanceArn: string, owner: string, nowMs: number, durationMs: number): Promise<boolean> {
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.table,
          Item: { pk: queuePk(instanceArn), sk: 'LEASE', owner, expiresAtMs: nowMs + durationMs },
          ConditionExpression: 'attribute_not_exists(pk) OR expiresAtMs < :now OR #owner = :o',
          ExpressionAttributeNames: { '#owner': 'owner' },
          ExpressionAttributeValues: { ':now': nowMs, ':o': owner },
        }),
      );
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  }

  async leaseHeld(instanceArn: string, nowMs: number): Promise<boolean> {
    const out = await this.client.send(
      new GetCommand({ TableName: this.table, Key: { pk: queuePk(instanceArn), sk: 'LEASE' }, ConsistentRead: true }),
    );
    return out.Item !== undefined && Number(out.Item.expiresAtMs) >= nowMs;
  }

  async releaseLease(instanceArn: string, owner: string): Promise<void> {
    try {
      await this.client.send(
        new DeleteCommand({
          TableName: this.table,
          Key: { pk: queuePk(instanceArn), sk: 'LEASE' },
          ConditionExpression: '#owner = :o',
          ExpressionAttributeNames: { '#owner': 'owner' },
          ExpressionAttributeValues: { ':o': owner },
        }),
      );
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
    }
  }
}
