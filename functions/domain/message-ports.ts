import type { InboxEntry, MessagePlan, MessageRecord, Page, Receipt, Recipient } from './message-model.ts';

/** The ports of coaching messages: what the use cases need from storage and from the asynchronous workers. */

/**
 * The message record: the idempotent create, reads, the fan-out's per-shard checkpoints, completion and the in-flight
 * index the recovery sweep reads.
 */
export interface MessageStore {
  /** Conditional create: returns `undefined` when created, or the record already stored under this id. */
  create(record: MessageRecord): Promise<MessageRecord | undefined>;
  get(tenant: string, id: string): Promise<MessageRecord | undefined>;
  /**
   * Checkpoints a pushed shard once (`stats` are added only the first time) and returns how many shards of the message
   * are pushed.
   */
  markShardPushed(
    tenant: string,
    id: string,
    index: number,
    atMs: number,
    stats: MessageRecord['stats'],
  ): Promise<number>;
  /** Marks a `sending` message complete; false when it was not `sending` (another run completed it). */
  complete(tenant: string, id: string, atMs: number): Promise<boolean>;
  /** Messages of every tenant still `sending` with no progress since `beforeMs` (the in-flight index), oldest first. */
  listStalled(beforeMs: number, limit: number): Promise<MessageRecord[]>;
  /**
   * Claims a re-drive of a stalled send: only if it is still `sending` and its progress time is still `seenProgressAt`
   * (one sweep wins). Returns the re-drive count, or undefined when another sweep or progress got there first.
   */
  claimRedrive(tenant: string, id: string, seenProgressAt: number, atMs: number): Promise<number | undefined>;
  /** Ends a `sending` message as `failed` (false when it was no longer `sending`). */
  fail(tenant: string, id: string, reason: string, atMs: number): Promise<boolean>;
  /** Remembers why a fan-out run failed (best effort). */
  noteError(tenant: string, id: string, error: string): Promise<void>;
  /** Messages a sender sent since `sinceMs`, newest first. */
  listSent(
    tenant: string,
    sender: string,
    sinceMs: number,
    page: { cursor?: string | undefined; limit: number },
  ): Promise<Page<MessageRecord>>;
}

/** The fan-out's own records: the recipient snapshot (the plan's chunks), the shard claims and the waves' outcomes. */
export interface FanOutPlanStore {
  /**
   * Stores the recipient snapshot in chunks and attaches the plan to the message unless another invocation already
   * did; returns the plan that won (so concurrent workers agree on one snapshot).
   */
  savePlan(record: MessageRecord, plan: MessagePlan, chunks: readonly Recipient[][]): Promise<MessagePlan>;
  getChunk(tenant: string, id: string, planId: string, index: number): Promise<Recipient[]>;
  /**
   * Claims the first run of a shard (a conditional write: exactly one run of a shard ever gets `first: true`). A later
   * run (Lambda's retry, a re-drive) gets `first: false` and the outcomes the shard's waves recorded so far.
   */
  claimShard(record: MessageRecord, planId: string, index: number): Promise<ShardClaim>;
  /** Records the pushes of one wave of a shard once (who was reached live, when, the counts); the first record wins. */
  recordWave(record: MessageRecord, planId: string, index: number, wave: number, outcome: ShardOutcome): Promise<void>;
  /** Who was reached live by the pushes of a message's plan, and when (epoch ms): the delivered receipts of pushes. */
  liveDeliveries(tenant: string, id: string, planId: string): Promise<Map<string, number>>;
}

/** What the fan-out (message-send.ts) reads and writes through its one `messages` dependency: both stores. */
export interface MessageRepository extends MessageStore, FanOutPlanStore {}

export interface InboxRepository {
  /**
   * Stores inbox entries. `keep-existing` (the default) never overwrites an entry that exists — its cursor and read
   * state stay as the agent saw them. `new` may overwrite and is for entries nobody can have seen yet: those of the
   * first run of a shard (a claim only one run gets; no push happens before its entries are written), which lets the
   * adapter write in batches.
   */
  putEntries(entries: readonly InboxEntry[], mode?: 'new' | 'keep-existing'): Promise<void>;
  /** The named entries of several agents for one message (consistent reads). */
  getForMessage(tenant: string, messageId: string, agentIds: readonly string[]): Promise<InboxEntry[]>;
  /** Every live (unexpired) entry of the agent, in cursor order. */
  listToday(tenant: string, agentId: string, nowMs: number): Promise<InboxEntry[]>;
  /** Sets `deliveredAt` where it is not set yet. */
  markDelivered(tenant: string, agentId: string, messageIds: readonly string[], atMs: number): Promise<void>;
  /** Sets `readAt` on live, unread entries; returns the entries that became read by this call. */
  markRead(tenant: string, agentId: string, messageIds: readonly string[], atMs: number): Promise<InboxEntry[]>;
  /** Per-agent receipts of one message, in agent id order. */
  receipts(
    tenant: string,
    messageId: string,
    nowMs: number,
    page: { cursor?: string | undefined; limit: number },
  ): Promise<Page<Receipt>>;
  /** Counts of one message's entries; `alsoDelivered`: agents known delivered elsewhere (the shards' live pushes). */
  receiptCounts(
    tenant: string,
    messageId: string,
    nowMs: number,
    alsoDelivered?: ReadonlySet<string>,
  ): Promise<{ recipients: number; delivered: number; read: number }>;
}

/** Starts the asynchronous fan-out of a message (Lambda async invoke of the worker). */
export interface FanOutDispatcher {
  dispatch(tenant: string, messageId: string): Promise<void>;
}

/** Starts shards of a message's fan-out in parallel (one async invoke of the shard worker each). */
export interface ShardDispatcher {
  dispatchShards(tenant: string, messageId: string, shards: readonly number[]): Promise<void>;
}

/** A request to mark entries delivered later: what the receipts worker receives. */
export interface DeliveredReceipts {
  readonly tenant: string;
  readonly agentId: string;
  readonly messageIds: readonly string[];
  readonly atMs: number;
}

export interface DeferredReceipts {
  markDeliveredLater(receipts: DeliveredReceipts): Promise<void>;
}

/** What a shard run recorded about the pushes of one wave (its delivered receipts and connection counts). */
export interface ShardOutcome {
  /** Agents reached live on at least one connection. */
  readonly reached: readonly string[];
  readonly atMs: number;
  readonly delivered: number;
  readonly gone: number;
  readonly failed: number;
}

export type ShardClaim =
  | { readonly first: true }
  | { readonly first: false; readonly waves: ReadonlyMap<number, ShardOutcome> };
