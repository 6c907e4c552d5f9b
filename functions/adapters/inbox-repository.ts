import { type DynamoDBDocumentClient, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { Clock } from '#domain/clock.ts';
import { epochSeconds } from '#domain/clock.ts';
import { mapLimit } from '#domain/concurrency.ts';
import type { InboxEntry, Page, Receipt } from '#domain/message-model.ts';
import type { InboxRepository } from '#domain/message-ports.ts';
import { batchGetAll, batchWriteAll, type Item, isConditionFailure, queryAll, queryPage } from './dynamo.ts';

/**
 * Inbox entries: one item per agent per message, in the agent's partition, and indexed by message on gsi2 so the
 * sender's receipts are a Query too.
 *   pk = T#<tenant>#INBOX#<agentId>   sk = E#<messageId>   gsi2pk = T#<tenant>#MSG#<messageId>#R   gsi2sk = <agentId>
 * `cursor` is set once, at the first write (conditional put); `deliveredAt` / `readAt` are set once by updates.
 */
export const inboxPk = (tenant: string, agentId: string) => `T#${tenant}#INBOX#${agentId}`;
export const receiptsPk = (tenant: string, messageId: string) => `T#${tenant}#MSG#${messageId}#R`;
const entrySk = (messageId: string) => `E#${messageId}`;

// Writes per call in flight: high enough that marking a day of messages delivered or read stays well under the
// 200 ms a reconnecting client should wait, low enough not to trip on-demand throttling of one partition.
const CONCURRENCY = 64;
/** BatchWriteItem requests in flight when writing new entries. */
const BATCHES_IN_FLIGHT = 8;

function toItem(e: InboxEntry): Item {
  return {
    pk: inboxPk(e.tenant, e.agentId),
    sk: entrySk(e.messageId),
    kind: 'inbox',
    tenant: e.tenant,
    agentId: e.agentId,
    agentName: e.agentName,
    messageId: e.messageId,
    text: e.text,
    fromId: e.from.id,
    fromName: e.from.name,
    sentAt: e.sentAt,
    cursor: e.cursor,
    ttl: e.expiresAt,
    gsi2pk: receiptsPk(e.tenant, e.messageId),
    gsi2sk: e.agentId,
  };
}

function toEntry(item: Item): InboxEntry {
  return {
    tenant: String(item.tenant),
    agentId: String(item.agentId),
    agentName: String(item.agentName ?? item.agentId),
    messageId: String(item.messageId),
    text: String(item.text),
    from: { id: String(item.fromId), name: String(item.fromName) },
    sentAt: String(item.sentAt),
    cursor: String(item.cursor),
    expiresAt: Number(item.ttl),
    ...(typeof item.deliveredAt === 'string' ? { deliveredAt: item.deliveredAt } : {}),
    ...(typeof item.readAt === 'string' ? { readAt: item.readAt } : {}),
  };
}

const byCursor = (a: InboxEntry, b: InboxEntry) => (a.cursor < b.cursor ? -1 : a.cursor > b.cursor ? 1 : 0);

export class DynamoInboxRepository implements InboxRepository {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly table: string,
    private readonly clock: Clock,
  ) {}

  async putEntries(entries: readonly InboxEntry[], mode: 'new' | 'keep-existing' = 'keep-existing'): Promise<void> {
    if (mode === 'new') {
      // Entries no one can have seen yet (see InboxRepository.putEntries): 25 per request instead of one each, a few
      // requests side by side (a shard's 500 entries are 20 requests: written in parallel, they cost one round trip
      // or three rather than twenty before the shard's first push).
      await batchWriteAll(
        this.client,
        this.table,
        entries.map((e) => ({ PutRequest: { Item: toItem(e) } })),
        { concurrency: BATCHES_IN_FLIGHT },
      );
      return;
    }
    const now = epochSeconds(this.clock.now());
    // Conditional puts: a retried fan-out must not reset a cursor the client has already seen or an entry the agent
    // has already read (BatchWrite cannot be conditional).
    await mapLimit(entries, CONCURRENCY, async (e) => {
      try {
        await this.client.send(
          new PutCommand({
            TableName: this.table,
            Item: toItem(e),
            // An expired entry (yesterday's message under a reused id) may be replaced.
            ConditionExpression: 'attribute_not_exists(pk) OR #ttl <= :now',
            ExpressionAttributeNames: { '#ttl': 'ttl' },
            ExpressionAttributeValues: { ':now': now },
          }),
        );
      } catch (error) {
        if (!isConditionFailure(error)) throw error;
      }
    });
  }

  async getForMessage(tenant: string, messageId: string, agentIds: readonly string[]): Promise<InboxEntry[]> {
    const keys = [...new Set(agentIds)].map((a) => ({ pk: inboxPk(tenant, a), sk: entrySk(messageId) }));
    const now = epochSeconds(this.clock.now());
    return (await batchGetAll(this.client, this.table, keys)).filter((item) => Number(item.ttl) > now).map(toEntry);
  }

  async listToday(tenant: string, agentId: string, nowMs: number): Promise<InboxEntry[]> {
    const { items } = await queryAll(this.client, {
      TableName: this.table,
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :e)',
      FilterExpression: '#ttl > :now',
      ExpressionAttributeNames: { '#ttl': 'ttl' },
      ExpressionAttributeValues: { ':pk': inboxPk(tenant, agentId), ':e': 'E#', ':now': epochSeconds(nowMs) },
      ConsistentRead: true,
    });
    return items.map(toEntry).sort(byCursor);
  }

  async markDelivered(tenant: string, agentId: string, messageIds: readonly string[], atMs: number): Promise<void> {
    const at = new Date(atMs).toISOString();
    await mapLimit([...new Set(messageIds)], CONCURRENCY, async (messageId) => {
      try {
        await this.client.send(
          new UpdateCommand({
            TableName: this.table,
            Key: { pk: inboxPk(tenant, agentId), sk: entrySk(messageId) },
            UpdateExpression: 'SET deliveredAt = :at',
            ConditionExpression: 'attribute_exists(pk) AND attribute_not_exists(deliveredAt)',
            ExpressionAttributeValues: { ':at': at },
          }),
        );
      } catch (error) {
        if (!isConditionFailure(error)) throw error;
      }
    });
  }

  async markRead(tenant: string, agentId: string, messageIds: readonly string[], atMs: number): Promise<InboxEntry[]> {
    const at = new Date(atMs).toISOString();
    const results = await mapLimit([...new Set(messageIds)], CONCURRENCY, async (messageId) => {
      try {
        const out = await this.client.send(
          new UpdateCommand({
            TableName: this.table,
            Key: { pk: inboxPk(tenant, agentId), sk: entrySk(messageId) },
            // Reading implies delivery: an entry read before any push reached it counts as delivered too.
            UpdateExpression: 'SET readAt = :at, deliveredAt = if_not_exists(deliveredAt, :at)',
            // Only live, unread entries of this agent: an unknown id, another agent's or an expired message is a
            // no-op, and a second markRead does not send a second receipt.
            ConditionExpression: 'attribute_exists(pk) AND attribute_not_exists(readAt) AND #ttl > :now',
            ExpressionAttributeNames: { '#ttl': 'ttl' },
            ExpressionAttributeValues: { ':at': at, ':now': epochSeconds(atMs) },
            ReturnValues: 'ALL_NEW',
          }),
        );
        return out.Attributes ? toEntry(out.Attributes) : undefined;
      } catch (error) {
        if (isConditionFailure(error)) return undefined;
        throw error;
      }
    });
    return results.filter((e): e is InboxEntry => e !== undefined).sort(byCursor);
  }

  async receipts(
    tenant: string,
    messageId: string,
    nowMs: number,
    page: { cursor?: string | undefined; limit: number },
  ): Promise<Page<Receipt>> {
    const gsi2pk = receiptsPk(tenant, messageId);
    const { items, cursor } = await queryPage(
      this.client,
      {
        TableName: this.table,
        IndexName: 'gsi2',
        KeyConditionExpression: 'gsi2pk = :p',
        FilterExpression: '#ttl > :now',
        ExpressionAttributeNames: { '#ttl': 'ttl' },
        ExpressionAttributeValues: { ':p': gsi2pk, ':now': epochSeconds(nowMs) },
      },
      page,
      { attribute: 'gsi2pk', value: gsi2pk },
    );
    return {
      items: items.map((item) => ({
        agentId: String(item.agentId),
        name: String(item.agentName ?? item.agentId),
        deliveredAt: typeof item.deliveredAt === 'string' ? item.deliveredAt : null,
        readAt: typeof item.readAt === 'string' ? item.readAt : null,
      })),
      ...(cursor ? { cursor } : {}),
    };
  }

  async receiptCounts(
    tenant: string,
    messageId: string,
    nowMs: number,
    alsoDelivered: ReadonlySet<string> = new Set(),
  ): Promise<{ recipients: number; delivered: number; read: number }> {
    // Counted from the entries themselves (a projected, paginated Query: ~10k recipients is a couple of pages)
    // rather than from counters, which would need transactions to stay exact under retries.
    const { items } = await queryAll(this.client, {
      TableName: this.table,
      IndexName: 'gsi2',
      KeyConditionExpression: 'gsi2pk = :p',
      FilterExpression: '#ttl > :now',
      ProjectionExpression: 'agentId, deliveredAt, readAt',
      ExpressionAttributeNames: { '#ttl': 'ttl' },
      ExpressionAttributeValues: { ':p': receiptsPk(tenant, messageId), ':now': epochSeconds(nowMs) },
    });
    return {
      recipients: items.length,
      delivered: items.filter((i) => i.deliveredAt !== undefined || alsoDelivered.has(String(i.agentId))).length,
      read: items.filter((i) => i.readAt !== undefined).length,
    };
  }
}
