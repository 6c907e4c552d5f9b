import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Clock } from '#domain/clock.ts';
import type { MessagePlan, MessageRecord, Recipient } from '#domain/message-model.ts';
import type {
  FanOutPlanStore,
  MessageRepository,
  MessageStore,
  ShardClaim,
  ShardOutcome,
} from '#domain/message-ports.ts';
import { DynamoFanOutPlanStore } from './fan-out-plan-store.ts';
import { DynamoMessageStore } from './message-store.ts';

/**
 * The fan-out's one `messages` dependency (domain/message-send.ts): the message store and the fan-out plan store
 * behind one object, each call answered by the store that owns its records. Everything else takes the store it needs.
 */
export class DynamoMessageRepository implements MessageRepository {
  constructor(
    private readonly records: MessageStore,
    private readonly plans: FanOutPlanStore,
  ) {}

  /** Both stores on one table. */
  static onTable(client: DynamoDBDocumentClient, table: string, clock: Clock): DynamoMessageRepository {
    const records = new DynamoMessageStore(client, table, clock);
    return new DynamoMessageRepository(records, new DynamoFanOutPlanStore(client, table, records));
  }

  create(record: MessageRecord): Promise<MessageRecord | undefined> {
    return this.records.create(record);
  }
  get(tenant: string, id: string): Promise<MessageRecord | undefined> {
    return this.records.get(tenant, id);
  }
  markShardPushed(tenant: string, id: string, index: number, atMs: number, stats: MessageRecord['stats']) {
    return this.records.markShardPushed(tenant, id, index, atMs, stats);
  }
  complete(tenant: string, id: string, atMs: number): Promise<boolean> {
    return this.records.complete(tenant, id, atMs);
  }
  listStalled(beforeMs: number, limit: number): Promise<MessageRecord[]> {
    return this.records.listStalled(beforeMs, limit);
  }
  claimRedrive(tenant: string, id: string, seenProgressAt: number, atMs: number): Promise<number | undefined> {
    return this.records.claimRedrive(tenant, id, seenProgressAt, atMs);
  }
  fail(tenant: string, id: string, reason: string, atMs: number): Promise<boolean> {
    return this.records.fail(tenant, id, reason, atMs);
  }
  noteError(tenant: string, id: string, error: string): Promise<void> {
    return this.records.noteError(tenant, id, error);
  }
  listSent(tenant: string, sender: string, sinceMs: number, page: { cursor?: string | undefined; limit: number }) {
    return this.records.listSent(tenant, sender, sinceMs, page);
  }

  savePlan(record: MessageRecord, plan: MessagePlan, chunks: readonly Recipient[][]): Promise<MessagePlan> {
    return this.plans.savePlan(record, plan, chunks);
  }
  getChunk(tenant: string, id: string, planId: string, index: number): Promise<Recipient[]> {
    return this.plans.getChunk(tenant, id, planId, index);
  }
  claimShard(record: MessageRecord, planId: string, index: number): Promise<ShardClaim> {
    return this.plans.claimShard(record, planId, index);
  }
  recordWave(record: MessageRecord, planId: string, index: number, wave: number, outcome: ShardOutcome) {
    return this.plans.recordWave(record, planId, index, wave, outcome);
  }
  liveDeliveries(tenant: string, id: string, planId: string): Promise<Map<string, number>> {
    return this.plans.liveDeliveries(tenant, id, planId);
  }
}
