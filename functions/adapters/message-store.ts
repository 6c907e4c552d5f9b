import { type DynamoDBDocumentClient, GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { Clock } from '#domain/clock.ts';
import { epochSeconds } from '#domain/clock.ts';
import type { MessagePlan, MessageRecord, Page, RecipientSelectors } from '#domain/message-model.ts';
import type { MessageStore } from '#domain/message-ports.ts';
import { type Item, isConditionFailure, queryAll, queryPage } from './dynamo.ts';

/**
 * Message records on the main table (the fan-out's plan, shard and wave items under the same key are
 * fan-out-plan-store.ts's).
 *   message    pk = T#<tenant>#MSG#<id>   sk = #META                 gsi2pk = T#<tenant>#MSGBY#<sender>  gsi2sk = <sentAt>#<id>
 * Every item carries `ttl` = the tenant's next cleardown; reads ignore expired items (DynamoDB deletes lazily).
 *
 * The in-flight index: while a message is `sending` it also carries gsi1pk = MSGSENDING#<0-3> (the shard is a hash of
 * its id, to spread the checkpoint writes) and gsi1sk = <last progress, 15-digit epoch ms>#<tenant>#<id>. The
 * recovery sweep reads it for sends with no progress for a while — the deployment's operational index, like the
 * presence deadlines; `complete` and `fail` remove both attributes, so the index holds only sends in flight.
 */
export const messagePk = (tenant: string, id: string) => `T#${tenant}#MSG#${id}`;
export const sentByPk = (tenant: string, sender: string) => `T#${tenant}#MSGBY#${sender}`;
const META = '#META';

const SENDING_SHARDS = 4;
const pad = (ms: number) => String(Math.max(0, Math.floor(ms))).padStart(15, '0');
function sendingShard(id: string): string {
  let h = 0;
  for (const ch of id) h = (h * 31 + ch.charCodeAt(0)) >>> 0;
  return `MSGSENDING#${h % SENDING_SHARDS}`;
}
const sendingSk = (tenant: string, id: string, progressMs: number) => `${pad(progressMs)}#${tenant}#${id}`;

/** A map attribute (or a list element), read field by field like an item; anything else reads as empty. */
export const mapOf = (value: unknown): Item =>
  typeof value === 'object' && value !== null && !Array.isArray(value) ? { ...value } : {};
export const strings = (value: unknown): string[] => (Array.isArray(value) ? value.map(String) : []);
/** Number sets come back from the document client as `Set<number>`. */
const numbers = (value: unknown): number[] =>
  value instanceof Set ? [...value].map(Number) : Array.isArray(value) ? value.map(Number) : [];

function toSelectors(value: unknown): RecipientSelectors {
  const v = mapOf(value);
  return {
    agentIds: strings(v.agentIds),
    teams: strings(v.teams),
    queues: strings(v.queues),
    campaigns: strings(v.campaigns),
    lists: strings(v.lists),
  };
}

function toPlan(value: unknown): MessagePlan {
  const plan = mapOf(value);
  return {
    planId: String(plan.planId),
    chunkCount: Number(plan.chunkCount),
    recipientCount: Number(plan.recipientCount),
    unknownIds: strings(plan.unknownIds),
  };
}

function toRecord(item: Item): MessageRecord {
  const record: MessageRecord = {
    tenant: String(item.tenant),
    id: String(item.id),
    text: String(item.text),
    from: { id: String(item.fromId), name: String(item.fromName) },
    sentAt: String(item.sentAt),
    expiresAt: Number(item.ttl),
    to: toSelectors(item.to),
    requestHash: String(item.requestHash),
    status: item.status === 'complete' || item.status === 'failed' ? item.status : 'sending',
    persisted: numbers(item.persisted),
    pushed: numbers(item.pushed),
    stats: {
      reachedLive: Number(item.statReachedLive ?? 0),
      delivered: Number(item.statDelivered ?? 0),
      gone: Number(item.statGone ?? 0),
      failed: Number(item.statFailed ?? 0),
    },
    lastProgressAt: Number(item.lastProgressAt ?? 0),
    redrives: Number(item.redrives ?? 0),
    ...(typeof item.completedAt === 'string' ? { completedAt: item.completedAt } : {}),
    ...(typeof item.lastError === 'string' ? { lastError: item.lastError } : {}),
    ...(typeof item.failureReason === 'string'
      ? { failure: { reason: item.failureReason, at: String(item.failedAt) } }
      : {}),
  };
  return item.plan ? { ...record, plan: toPlan(item.plan) } : record;
}

export class DynamoMessageStore implements MessageStore {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly table: string,
    private readonly clock: Clock,
  ) {}

  async create(record: MessageRecord): Promise<MessageRecord | undefined> {
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.table,
          Item: {
            pk: messagePk(record.tenant, record.id),
            sk: META,
            kind: 'message',
            tenant: record.tenant,
            id: record.id,
            text: record.text,
            fromId: record.from.id,
            fromName: record.from.name,
            sentAt: record.sentAt,
            ttl: record.expiresAt,
            to: record.to,
            requestHash: record.requestHash,
            status: record.status,
            lastProgressAt: record.lastProgressAt,
            redrives: 0,
            ...(record.status === 'sending'
              ? {
                  gsi1pk: sendingShard(record.id),
                  gsi1sk: sendingSk(record.tenant, record.id, record.lastProgressAt),
                }
              : {}),
            gsi2pk: sentByPk(record.tenant, record.from.id),
            gsi2sk: `${record.sentAt}#${record.id}`,
          },
          // The idempotency check: one message per id (= per tenant + sender + Idempotency-Key). An expired message
          // (yesterday's use of the same key, not yet deleted by TTL) may be replaced.
          ConditionExpression: 'attribute_not_exists(pk) OR #ttl <= :now',
          ExpressionAttributeNames: { '#ttl': 'ttl' },
          ExpressionAttributeValues: { ':now': epochSeconds(this.clock.now()) },
        }),
      );
      return undefined;
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
      const existing = await this.get(record.tenant, record.id);
      if (!existing) throw error;
      return existing;
    }
  }

  async get(tenant: string, id: string): Promise<MessageRecord | undefined> {
    const out = await this.client.send(
      new GetCommand({ TableName: this.table, Key: { pk: messagePk(tenant, id), sk: META }, ConsistentRead: true }),
    );
    if (!out.Item || Number(out.Item.ttl) <= epochSeconds(this.clock.now())) return undefined;
    return toRecord(out.Item);
  }

  /**
   * Attaches a fan-out plan to a `sending` message unless another invocation already did; returns the plan that won.
   * Attaching is progress: it moves the message along the in-flight index and clears its re-drive count.
   */
  async attachPlan(record: MessageRecord, plan: MessagePlan): Promise<MessagePlan> {
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.table,
          Key: { pk: messagePk(record.tenant, record.id), sk: META },
          UpdateExpression: 'SET #plan = :plan, lastProgressAt = :now, redrives = :zero, gsi1sk = :sk',
          ConditionExpression: 'attribute_exists(pk) AND attribute_not_exists(#plan) AND #status = :sending',
          ExpressionAttributeNames: { '#plan': 'plan', '#status': 'status' },
          ExpressionAttributeValues: {
            ':plan': {
              planId: plan.planId,
              chunkCount: plan.chunkCount,
              recipientCount: plan.recipientCount,
              unknownIds: [...plan.unknownIds],
            },
            ':now': this.clock.now(),
            ':zero': 0,
            ':sk': sendingSk(record.tenant, record.id, this.clock.now()),
            ':sending': 'sending',
          },
        }),
      );
      return plan;
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
      const winner = (await this.get(record.tenant, record.id))?.plan;
      if (!winner) throw error;
      return winner;
    }
  }

  async markShardPushed(
    tenant: string,
    id: string,
    index: number,
    atMs: number,
    stats: MessageRecord['stats'],
  ): Promise<number> {
    try {
      const out = await this.client.send(
        new UpdateCommand({
          TableName: this.table,
          Key: { pk: messagePk(tenant, id), sk: META },
          // Progress moves the message along the in-flight index (a sort key without gsi1pk — once complete — is not
          // indexed) and clears the re-drive count: only sends that stop progressing are ever failed.
          UpdateExpression:
            'ADD pushed :i, statReachedLive :r, statDelivered :d, statGone :g, statFailed :f ' +
            'SET lastProgressAt = :now, redrives = :zero, gsi1sk = :sk',
          // Once per shard: a retried shard does not count its pushes twice.
          ConditionExpression: 'attribute_exists(pk) AND NOT contains(pushed, :n)',
          ExpressionAttributeValues: {
            ':i': new Set([index]),
            ':n': index,
            ':now': atMs,
            ':zero': 0,
            ':sk': sendingSk(tenant, id, atMs),
            ':r': stats.reachedLive,
            ':d': stats.delivered,
            ':g': stats.gone,
            ':f': stats.failed,
          },
          ReturnValues: 'UPDATED_NEW',
        }),
      );
      return numbers(out.Attributes?.pushed).length;
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
      return (await this.get(tenant, id))?.pushed.length ?? 0;
    }
  }

  async complete(tenant: string, id: string, atMs: number): Promise<boolean> {
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.table,
          Key: { pk: messagePk(tenant, id), sk: META },
          UpdateExpression: 'SET #status = :complete, completedAt = :at, lastProgressAt = :now REMOVE gsi1pk, gsi1sk',
          // Once: of the shards that see every shard pushed, one completes the message and tells the sender.
          ConditionExpression: '#status = :sending',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: {
            ':complete': 'complete',
            ':sending': 'sending',
            ':at': new Date(atMs).toISOString(),
            ':now': atMs,
          },
        }),
      );
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  }

  async listStalled(beforeMs: number, limit: number): Promise<MessageRecord[]> {
    const shards = await Promise.all(
      Array.from({ length: SENDING_SHARDS }, (_, n) =>
        queryAll(
          this.client,
          {
            TableName: this.table,
            IndexName: 'gsi1',
            KeyConditionExpression: 'gsi1pk = :p AND gsi1sk < :before',
            ExpressionAttributeValues: { ':p': `MSGSENDING#${n}`, ':before': pad(beforeMs) },
          },
          limit,
        ),
      ),
    );
    return shards
      .flatMap((s) => s.items)
      .filter((item) => item.status === 'sending')
      .map(toRecord)
      .sort((a, b) => a.lastProgressAt - b.lastProgressAt)
      .slice(0, limit);
  }

  async claimRedrive(tenant: string, id: string, seenProgressAt: number, atMs: number): Promise<number | undefined> {
    try {
      const out = await this.client.send(
        new UpdateCommand({
          TableName: this.table,
          Key: { pk: messagePk(tenant, id), sk: META },
          UpdateExpression: 'SET lastProgressAt = :now, gsi1sk = :sk ADD redrives :one',
          ConditionExpression: '#status = :sending AND lastProgressAt = :seen',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: {
            ':now': atMs,
            ':sk': sendingSk(tenant, id, atMs),
            ':one': 1,
            ':sending': 'sending',
            ':seen': seenProgressAt,
          },
          ReturnValues: 'UPDATED_NEW',
        }),
      );
      return Number(out.Attributes?.redrives ?? 1);
    } catch (error) {
      if (isConditionFailure(error)) return undefined;
      throw error;
    }
  }

  async fail(tenant: string, id: string, reason: string, atMs: number): Promise<boolean> {
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.table,
          Key: { pk: messagePk(tenant, id), sk: META },
          UpdateExpression:
            'SET #status = :failed, failureReason = :reason, failedAt = :at, lastProgressAt = :now REMOVE gsi1pk, gsi1sk',
          ConditionExpression: '#status = :sending',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: {
            ':failed': 'failed',
            ':sending': 'sending',
            ':reason': reason.slice(0, 500),
            ':at': new Date(atMs).toISOString(),
            ':now': atMs,
          },
        }),
      );
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  }

  async noteError(tenant: string, id: string, error: string): Promise<void> {
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.table,
          Key: { pk: messagePk(tenant, id), sk: META },
          UpdateExpression: 'SET lastError = :e',
          ConditionExpression: 'attribute_exists(pk)',
          ExpressionAttributeValues: { ':e': error.slice(0, 500) },
        }),
      );
    } catch (e) {
      if (!isConditionFailure(e)) throw e;
    }
  }

  async listSent(
    tenant: string,
    sender: string,
    sinceMs: number,
    page: { cursor?: string | undefined; limit: number },
  ): Promise<Page<MessageRecord>> {
    const gsi2pk = sentByPk(tenant, sender);
    // Newest first; a FilterExpression (expired) may thin a page: queryPage keeps reading until it is full.
    const { items, cursor } = await queryPage(
      this.client,
      {
        TableName: this.table,
        IndexName: 'gsi2',
        KeyConditionExpression: 'gsi2pk = :p AND gsi2sk >= :since',
        FilterExpression: '#ttl > :now',
        ExpressionAttributeNames: { '#ttl': 'ttl' },
        ExpressionAttributeValues: {
          ':p': gsi2pk,
          ':since': new Date(sinceMs).toISOString(),
          ':now': epochSeconds(this.clock.now()),
        },
        ScanIndexForward: false,
      },
      page,
      { attribute: 'gsi2pk', value: gsi2pk },
    );
    return { items: items.map(toRecord), ...(cursor ? { cursor } : {}) };
  }
}
