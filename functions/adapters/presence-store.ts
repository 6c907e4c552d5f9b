import { type DynamoDBDocumentClient, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { epochSeconds } from '#domain/clock.ts';
import type { PresenceStore } from '#domain/status-ports.ts';
import { isConditionFailure, queryAll } from './dynamo.ts';
import { statusPk } from './status-keys.ts';

const PRESENCE_SHARDS = 8;
/** The key of an agent's presence item (its `deadline` says until when the messenger counts as online). */
export const presenceKey = (tenant: string, agent: string) => ({ pk: statusPk(tenant), sk: `P#${agent}` });
const pad = (ms: number) => String(Math.max(0, Math.floor(ms))).padStart(15, '0');

/** Spreads presence writes over a few index partitions (every online agent writes every ~15 s). */
function shardOf(tenant: string, agent: string): number {
  let h = 0;
  for (const ch of `${tenant}#${agent}`) h = (h * 31 + ch.charCodeAt(0)) >>> 0;
  return h % PRESENCE_SHARDS;
}

export class DynamoPresenceStore implements PresenceStore {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  async touch(tenant: string, agent: string, nowMs: number, deadlineMs: number, minIntervalMs: number) {
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.table,
          Key: { pk: statusPk(tenant), sk: `P#${agent}` },
          UpdateExpression:
            'SET lastSeen = :now, deadline = :d, #tenant = :t, #agent = :a, gsi1pk = :gp, gsi1sk = :gs, #ttl = :ttl, kind = :k',
          ConditionExpression: 'attribute_not_exists(lastSeen) OR lastSeen <= :cut',
          ExpressionAttributeNames: { '#ttl': 'ttl', '#tenant': 'tenant', '#agent': 'agent' },
          ExpressionAttributeValues: {
            ':now': nowMs,
            ':d': deadlineMs,
            ':t': tenant,
            ':a': agent,
            ':gp': `PRESENCE#${shardOf(tenant, agent)}`,
            ':gs': `${pad(deadlineMs)}#${tenant}#${agent}`,
            // Presence outlives any deadline by a day; a forgotten item costs nothing after that.
            ':ttl': epochSeconds(deadlineMs) + 86_400,
            ':k': 'presence',
            ':cut': nowMs - minIntervalMs,
          },
        }),
      );
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  }

  async due(nowMs: number, limit: number) {
    const shards = await Promise.all(
      Array.from({ length: PRESENCE_SHARDS }, (_, n) =>
        queryAll(
          this.client,
          {
            TableName: this.table,
            IndexName: 'gsi1',
            KeyConditionExpression: 'gsi1pk = :p AND gsi1sk < :now',
            ExpressionAttributeValues: { ':p': `PRESENCE#${n}`, ':now': pad(nowMs) },
          },
          limit,
        ),
      ),
    );
    return shards
      .flatMap((s) => s.items)
      .map((item) => {
        // Parsed from the index key itself, so the sweep works whatever the index projects.
        const [deadline, tenant, agent] = String(item.gsi1sk).split('#') as [string, string, string];
        return { tenant, agent, deadline: Number(deadline) };
      })
      .sort((a, b) => a.deadline - b.deadline)
      .slice(0, limit);
  }

  async clear(tenant: string, agent: string, deadline: number) {
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.table,
          Key: { pk: statusPk(tenant), sk: `P#${agent}` },
          UpdateExpression: 'REMOVE gsi1pk, gsi1sk',
          ConditionExpression: 'deadline = :d',
          ExpressionAttributeValues: { ':d': deadline },
        }),
      );
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  }

  async touchSupervisor(tenant: string, user: string, nowMs: number, minIntervalMs: number) {
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.table,
          Key: { pk: statusPk(tenant), sk: `S#${user}` },
          UpdateExpression: 'SET lastSeen = :now, #user = :u, #ttl = :ttl, kind = :k',
          ConditionExpression: 'attribute_not_exists(lastSeen) OR lastSeen <= :cut',
          ExpressionAttributeNames: { '#ttl': 'ttl', '#user': 'user' },
          ExpressionAttributeValues: {
            ':now': nowMs,
            ':u': user,
            // A WebSocket lives at most 2 hours: a supervisor silent for longer has no connection to push to.
            ':ttl': epochSeconds(nowMs) + 2 * 3600 + 600,
            ':k': 'supervisor-presence',
            ':cut': nowMs - minIntervalMs,
          },
        }),
      );
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  }

  async supervisors(tenant: string, nowMs: number): Promise<string[]> {
    const { items } = await queryAll(this.client, {
      TableName: this.table,
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :s)',
      FilterExpression: '#ttl > :now',
      ExpressionAttributeNames: { '#ttl': 'ttl' },
      ExpressionAttributeValues: { ':pk': statusPk(tenant), ':s': 'S#', ':now': epochSeconds(nowMs) },
    });
    return items.map((i) => String(i.user));
  }
}
