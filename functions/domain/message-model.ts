import type { DirectoryMember, GroupKind } from './directory.ts';

/**
 * Coaching messages: supervisors and admins send one-way messages to agents picked by id and/or by group. This file
 * holds what a message, an inbox entry and a receipt are; the ports are in message-ports.ts, the recipient rules in
 * message-recipients.ts, sending in message-send.ts, the agents' inbox in inbox.ts and the senders' reports in
 * message-reports.ts.
 *
 * Delivery is "persist, then push": a message is a durable record first, then its recipients are split into shards
 * (message-send.ts), and in each shard every recipient gets a durable inbox entry before that shard's sockets are
 * pushed. Pushes are at-least-once (a shard that fails before recording its pushes pushes again when retried); what
 * an agent sees is exactly-once because every entry and every push carries the message id.
 */

export const MAX_EXPLICIT_RECIPIENTS = 10_000;

export interface RecipientSelectors {
  readonly agentIds: readonly string[];
  readonly teams: readonly string[];
  readonly queues: readonly string[];
  readonly campaigns: readonly string[];
  readonly lists: readonly string[];
}

export const SELECTOR_KINDS: readonly { readonly field: keyof RecipientSelectors; readonly kind: GroupKind }[] = [
  { field: 'teams', kind: 'team' },
  { field: 'queues', kind: 'queue' },
  { field: 'campaigns', kind: 'campaign' },
  { field: 'lists', kind: 'list' },
];

export type Recipient = DirectoryMember;

export interface Sender {
  readonly id: string;
  readonly name: string;
}

export interface DeliverySummary {
  /** Agents that got an inbox entry. */
  readonly recipients: number;
  /** Explicit ids that are not agents of this tenant. */
  readonly unknownIds: number;
  /** Recipients reached live on at least one connection (the rest get it on their next sync). */
  readonly reachedLive: number;
  /** Connection-level outcome of the pushes. */
  readonly connections: { readonly delivered: number; readonly gone: number; readonly failed: number };
}

export interface MessagePlan {
  readonly planId: string;
  readonly chunkCount: number;
  readonly recipientCount: number;
  readonly unknownIds: readonly string[];
}

export type MessageStatus = 'sending' | 'complete' | 'failed';

export interface MessageRecord {
  readonly tenant: string;
  readonly id: string;
  readonly text: string;
  readonly from: Sender;
  /** ISO 8601. */
  readonly sentAt: string;
  /** Epoch seconds: the tenant's next cleardown after `sentAt`. */
  readonly expiresAt: number;
  readonly to: RecipientSelectors;
  /** Hash of the request body: a replay with the same idempotency key must carry the same body. */
  readonly requestHash: string;
  readonly status: MessageStatus;
  readonly plan?: MessagePlan | undefined;
  /** Legacy: chunk indexes whose entries were durable (fan-outs before sharding); no longer written. */
  readonly persisted: readonly number[];
  /** Shard indexes whose pushes are done (and counted in `stats`). */
  readonly pushed: readonly number[];
  readonly stats: {
    readonly reachedLive: number;
    readonly delivered: number;
    readonly gone: number;
    readonly failed: number;
  };
  /** Epoch ms of the last checkpoint (or of creation, or of the last re-drive). */
  readonly lastProgressAt: number;
  readonly completedAt?: string;
  /** Times the recovery sweep re-started the fan-out since the last progress. */
  readonly redrives: number;
  /** The last error a fan-out run reported (the reason shown if the send ends `failed`). */
  readonly lastError?: string;
  /** Set when the send ended `failed`: it will never complete. */
  readonly failure?: { readonly reason: string; readonly at: string };
}

export interface InboxEntry {
  readonly tenant: string;
  readonly agentId: string;
  readonly agentName: string;
  readonly messageId: string;
  readonly text: string;
  readonly from: Sender;
  readonly sentAt: string;
  readonly cursor: string;
  readonly expiresAt: number;
  readonly deliveredAt?: string;
  readonly readAt?: string;
}

/** What agents see of a message (push, sync, GET /inbox). */
export interface InboxMessage {
  readonly id: string;
  readonly text: string;
  readonly from: Sender;
  readonly sentAt: string;
  readonly cursor: string;
  readonly read: boolean;
  readonly readAt: string | null;
}

export interface Receipt {
  readonly agentId: string;
  readonly name: string;
  readonly deliveredAt: string | null;
  readonly readAt: string | null;
}

export interface Page<T> {
  readonly items: T[];
  readonly cursor?: string | undefined;
}

export function summaryOf(record: MessageRecord): DeliverySummary | null {
  if (record.status !== 'complete' || !record.plan) return null;
  return {
    recipients: record.plan.recipientCount,
    unknownIds: record.plan.unknownIds.length,
    reachedLive: record.stats.reachedLive,
    connections: { delivered: record.stats.delivered, gone: record.stats.gone, failed: record.stats.failed },
  };
}
