import type { Clock } from './clock.ts';
import { epochSeconds } from './clock.ts';
import { NotFoundError } from './errors.ts';
import { messagingDay } from './message-cleardown.ts';
import {
  type DeliverySummary,
  type MessageRecord,
  type MessageStatus,
  type Receipt,
  type RecipientSelectors,
  type Sender,
  summaryOf,
} from './message-model.ts';
import type { FanOutPlanStore, InboxRepository, MessageStore } from './message-ports.ts';
import type { Principal } from './principal.ts';
import type { SettingsRepository } from './settings.ts';

/** The senders' side of coaching messages: what they sent today, and one message's delivered/read receipts. */

export interface ReportDeps {
  readonly messages: MessageStore;
  /** Whom the fan-out's pushes reached live: the delivered receipts that are not on the inbox entries. */
  readonly plans: Pick<FanOutPlanStore, 'liveDeliveries'>;
  readonly inbox: InboxRepository;
  readonly settings: SettingsRepository;
  readonly clock: Clock;
}

export interface SentMessageView {
  readonly id: string;
  readonly text: string;
  readonly from: Sender;
  readonly sentAt: string;
  readonly to: RecipientSelectors;
  readonly status: MessageStatus;
  readonly recipients: number | null;
  readonly unknownIds: readonly string[];
  readonly summary: DeliverySummary | null;
  readonly failure: { readonly reason: string; readonly at: string } | null;
}

function viewOf(record: MessageRecord): SentMessageView {
  return {
    id: record.id,
    text: record.text,
    from: record.from,
    sentAt: record.sentAt,
    to: record.to,
    status: record.status,
    recipients: record.plan?.recipientCount ?? null,
    unknownIds: record.plan?.unknownIds.slice(0, 100) ?? [],
    summary: summaryOf(record),
    failure: record.failure ?? null,
  };
}

/** Only the sender and the tenant's admins see a message's report; anyone else gets 404 (existence is not leaked). */
async function readableMessage(deps: ReportDeps, principal: Principal, id: string): Promise<MessageRecord> {
  const record = await deps.messages.get(principal.tenant, id);
  const now = deps.clock.now();
  if (
    !record ||
    record.expiresAt <= epochSeconds(now) ||
    (record.from.id !== principal.user && principal.role !== 'admin')
  ) {
    throw new NotFoundError(`No message ${id}`, 'MESSAGE_NOT_FOUND');
  }
  return record;
}

export async function messageReport(
  deps: ReportDeps,
  principal: Principal,
  id: string,
  page: { cursor?: string | undefined; limit: number },
): Promise<
  SentMessageView & {
    counts: { recipients: number; delivered: number; read: number };
    receipts: Receipt[];
    cursor: string | null;
  }
> {
  const record = await readableMessage(deps, principal, id);
  const now = deps.clock.now();
  // Pushes record who they reached per shard (not one write per recipient): a receipt is delivered when its entry
  // says so (a sync, a read) or a shard reached the agent live, whichever came first.
  const live = record.plan
    ? await deps.plans.liveDeliveries(principal.tenant, id, record.plan.planId)
    : new Map<string, number>();
  const [counts, receipts] = await Promise.all([
    deps.inbox.receiptCounts(principal.tenant, id, now, new Set(live.keys())),
    deps.inbox.receipts(principal.tenant, id, now, page),
  ]);
  const items = receipts.items.map((r) => {
    const pushedAt = live.get(r.agentId);
    if (pushedAt === undefined) return r;
    const pushed = new Date(pushedAt).toISOString();
    return { ...r, deliveredAt: r.deliveredAt !== null && r.deliveredAt < pushed ? r.deliveredAt : pushed };
  });
  return { ...viewOf(record), counts, receipts: items, cursor: receipts.cursor ?? null };
}

/** GET /messages: what the caller sent since the tenant's last cleardown, newest first. */
export async function sentToday(
  deps: ReportDeps,
  principal: Principal,
  page: { cursor?: string | undefined; limit: number },
): Promise<{ messages: SentMessageView[]; cursor: string | null }> {
  const settings = await deps.settings.get(principal.tenant);
  const now = deps.clock.now();
  const day = messagingDay(now, {
    timeZone: settings.general.timeZone,
    cleardownHour: settings.messaging.cleardownHour,
  });
  const out = await deps.messages.listSent(principal.tenant, principal.user, day.start, page);
  return { messages: out.items.map(viewOf), cursor: out.cursor ?? null };
}
