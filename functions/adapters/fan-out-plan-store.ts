import { type DynamoDBDocumentClient, GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { MessagePlan, MessageRecord, Recipient } from '#domain/message-model.ts';
import type { FanOutPlanStore, ShardClaim, ShardOutcome } from '#domain/message-ports.ts';
import { batchWriteAll, type Item, isConditionFailure, queryAll } from './dynamo.ts';
import { type DynamoMessageStore, mapOf, messagePk } from './message-store.ts';

/**
 * The fan-out's records on the main table, under their message's key (message-store.ts holds the message itself):
 *   plan chunk pk = T#<tenant>#MSG#<id>   sk = PLAN#<planId>#<index>  (a shard's recipient snapshot, one per shard)
 *   shard run  pk = T#<tenant>#MSG#<id>   sk = SHARD#<planId>#<index>          (claimed by the shard's first run)
 *   wave       pk = T#<tenant>#MSG#<id>   sk = SHARD#<planId>#<index>#<wave>   (whom a wave's pushes reached, when,
 *                                                                               and its connection counts)
 * Every item carries `ttl` = the message's expiry, so it goes with the message.
 */
const planSk = (planId: string, index: number) => `PLAN#${planId}#${String(index).padStart(5, '0')}`;
const shardSk = (planId: string, index: number) => `SHARD#${planId}#${String(index).padStart(5, '0')}`;
const waveSk = (planId: string, index: number, wave: number) =>
  `${shardSk(planId, index)}#${String(wave).padStart(3, '0')}`;

function toOutcome(item: Item | undefined): ShardOutcome | undefined {
  if (!item || typeof item.at !== 'number') return undefined;
  return {
    reached: Array.isArray(item.reached) ? item.reached.map(String) : [],
    atMs: item.at,
    delivered: Number(item.delivered ?? 0),
    gone: Number(item.gone ?? 0),
    failed: Number(item.failed ?? 0),
  };
}

export class DynamoFanOutPlanStore implements FanOutPlanStore {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly table: string,
    /** The plan is attached to the message record, which is the message store's. */
    private readonly messages: Pick<DynamoMessageStore, 'attachPlan'>,
  ) {}

  async savePlan(record: MessageRecord, plan: MessagePlan, chunks: readonly Recipient[][]): Promise<MessagePlan> {
    const pk = messagePk(record.tenant, record.id);
    // Chunks first, then the plan that points at them: a plan is never visible without its snapshot. Chunks of a
    // plan that lost the race to attach are orphans that expire with the message.
    await batchWriteAll(
      this.client,
      this.table,
      chunks.map((recipients, index) => ({
        PutRequest: {
          Item: {
            pk,
            sk: planSk(plan.planId, index),
            kind: 'messagePlanChunk',
            recipients: recipients.map((r) => ({ a: r.agentId, n: r.displayName })),
            ttl: record.expiresAt,
          },
        },
      })),
    );
    return this.messages.attachPlan(record, plan);
  }

  async getChunk(tenant: string, id: string, planId: string, index: number): Promise<Recipient[]> {
    const out = await this.client.send(
      new GetCommand({
        TableName: this.table,
        Key: { pk: messagePk(tenant, id), sk: planSk(planId, index) },
        ConsistentRead: true,
      }),
    );
    if (!out.Item) throw new Error(`Plan chunk ${index} of message ${id} is missing`);
    const recipients: unknown[] = Array.isArray(out.Item.recipients) ? out.Item.recipients : [];
    return recipients.map(mapOf).map((r) => ({ agentId: String(r.a), displayName: String(r.n) }));
  }

  async claimShard(record: MessageRecord, planId: string, index: number): Promise<ShardClaim> {
    const key = { pk: messagePk(record.tenant, record.id), sk: shardSk(planId, index) };
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.table,
          Item: { ...key, kind: 'messageShard', ttl: record.expiresAt },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
      return { first: true };
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
    }
    // A later run: the waves the earlier runs recorded (one Query of the shard's wave items).
    const { items } = await queryAll(this.client, {
      TableName: this.table,
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :s)',
      ExpressionAttributeValues: { ':pk': key.pk, ':s': `${key.sk}#` },
      ConsistentRead: true,
    });
    const waves = new Map<number, ShardOutcome>();
    for (const item of items) {
      const outcome = toOutcome(item);
      if (outcome) waves.set(Number(String(item.sk).slice(key.sk.length + 1)), outcome);
    }
    return { first: false, waves };
  }

  async recordWave(
    record: MessageRecord,
    planId: string,
    index: number,
    wave: number,
    outcome: ShardOutcome,
  ): Promise<void> {
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.table,
          Key: { pk: messagePk(record.tenant, record.id), sk: waveSk(planId, index, wave) },
          UpdateExpression:
            'SET reached = :r, #at = :at, delivered = :d, gone = :g, failed = :f, kind = :kind, #ttl = :ttl',
          // The first record wins: a duplicate run that pushed again keeps the earlier delivery time and counts.
          ConditionExpression: 'attribute_not_exists(#at)',
          ExpressionAttributeNames: { '#at': 'at', '#ttl': 'ttl' },
          ExpressionAttributeValues: {
            ':r': [...outcome.reached],
            ':at': outcome.atMs,
            ':d': outcome.delivered,
            ':g': outcome.gone,
            ':f': outcome.failed,
            ':kind': 'messageShard',
            ':ttl': record.expiresAt,
          },
        }),
      );
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
    }
  }

  async liveDeliveries(tenant: string, id: string, planId: string): Promise<Map<string, number>> {
    const { items } = await queryAll(this.client, {
      TableName: this.table,
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :s)',
      ExpressionAttributeValues: { ':pk': messagePk(tenant, id), ':s': `SHARD#${planId}#` },
      ProjectionExpression: 'reached, #at',
      ExpressionAttributeNames: { '#at': 'at' },
    });
    const out = new Map<string, number>();
    for (const item of items) {
      const outcome = toOutcome(item);
      if (outcome) for (const agent of outcome.reached) out.set(agent, outcome.atMs);
    }
    return out;
  }
}
