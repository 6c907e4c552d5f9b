import { createHash, randomUUID } from 'node:crypto';
import type { Clock } from './clock.ts';
import { epochSeconds } from './clock.ts';
import type { AgentDirectory, DirectoryMember, GroupKind } from './directory.ts';
import { AppError, BadRequestError, NotFoundError } from './errors.ts';
import { messagingDay } from './message-cleardown.ts';
import type { Notifier, ServerEvent } from './notifier.ts';
import type { Principal } from './principal.ts';
import type { SettingsRepository } from './settings.ts';

/**
 * Coaching messages: supervisors and admins send one-way messages to agents picked by id and/or by group.
 *
 * Delivery is "persist, then push": a message is a durable record first, then its recipients are split into shards
 * (message-send.ts), and in each shard every recipient gets a durable inbox entry before that shard's sockets are
 * pushed. Pushes are at-least-once (a shard that fails before recording its pushes pushes again when retried); what
 * an agent sees is exactly-once because every entry and every push carries the message id.
 *
 * Inbox cursors. Each inbox entry gets `cursor` = the time of *its own inbox write* (13-digit epoch ms) + '-' + the
 * message id, so an agent's cursors increase in inbox-write order and never collide. A write-order stamp alone is
 * still not enough: two workers writing to the same agent can commit out of stamp order (a stamp is taken before the
 * write lands), so a client that advanced past a later stamp could skip an earlier one that lands late. The sync rule
 * therefore is: **return every entry with cursor > since, plus every unread entry of the day, whatever its cursor**.
 * An entry is born unread and only becomes read after the agent saw it, so an entry that materialises "behind" the
 * client's cursor is still returned — nothing can be skipped. Entries are per agent per day (cleared overnight), so
 * reading the agent's whole day is one small Query.
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
  readonly plan?: MessagePlan;
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
  readonly cursor?: string;
}

// ---------------------------------------------------------------------------------------------------------------
// Ports
// ---------------------------------------------------------------------------------------------------------------

export interface MessageRepository {
  /** Conditional create: returns `undefined` when created, or the record already stored under this id. */
  create(record: MessageRecord): Promise<MessageRecord | undefined>;
  get(tenant: string, id: string): Promise<MessageRecord | undefined>;
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
    page: { cursor?: string; limit: number },
  ): Promise<Page<MessageRecord>>;
}

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
    page: { cursor?: string; limit: number },
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

// ---------------------------------------------------------------------------------------------------------------
// Pure rules
// ---------------------------------------------------------------------------------------------------------------

export class IdempotencyKeyReusedError extends AppError {
  constructor() {
    super(
      422,
      'IDEMPOTENCY_KEY_REUSED',
      'This Idempotency-Key was already used for a different message; use a new key for a new message',
    );
  }
}

/** A retried POST with the same key maps to the same message id; tenant and sender are part of the key's scope. */
export function messageIdFor(tenant: string, sender: string, idempotencyKey: string | undefined): string {
  if (idempotencyKey === undefined) return randomUUID().replaceAll('-', '');
  return createHash('sha256').update(`${tenant}\n${sender}\n${idempotencyKey}`).digest('hex').slice(0, 32);
}

/** Sorted and de-duplicated, so that the same recipients in another order are the same request. */
export function normaliseSelectors(to: RecipientSelectors): RecipientSelectors {
  const norm = (values: readonly string[]) => [...new Set(values)].sort();
  return {
    agentIds: norm(to.agentIds),
    teams: norm(to.teams),
    queues: norm(to.queues),
    campaigns: norm(to.campaigns),
    lists: norm(to.lists),
  };
}

export function requestHash(text: string, to: RecipientSelectors): string {
  return createHash('sha256')
    .update(JSON.stringify({ text, to: normaliseSelectors(to) }))
    .digest('hex');
}

export function hasGroups(to: RecipientSelectors): boolean {
  return SELECTOR_KINDS.some(({ field }) => to[field].length > 0);
}

/** Cursor of an inbox entry written at `writeMs` (see the file comment for why write order, not creation time). */
export function inboxCursor(writeMs: number, messageId: string): string {
  return `${String(Math.max(0, Math.floor(writeMs))).padStart(13, '0')}-${messageId}`;
}

/** De-duplicates recipients by agent id (the first name seen wins) and sorts them by id. */
export function mergeRecipients(...sources: readonly (readonly Recipient[])[]): Recipient[] {
  const byId = new Map<string, Recipient>();
  for (const source of sources) for (const r of source) if (!byId.has(r.agentId)) byId.set(r.agentId, r);
  return [...byId.values()].sort((a, b) => (a.agentId < b.agentId ? -1 : a.agentId > b.agentId ? 1 : 0));
}

export function chunk<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

export function toInboxMessage(entry: InboxEntry): InboxMessage {
  return {
    id: entry.messageId,
    text: entry.text,
    from: entry.from,
    sentAt: entry.sentAt,
    cursor: entry.cursor,
    read: entry.readAt !== undefined,
    readAt: entry.readAt ?? null,
  };
}

/**
 * The sync rule: every entry newer than `since`, plus every unread entry whatever its cursor; in cursor order. The
 * returned cursor is the highest cursor the client now knows (never lower than `since`).
 */
export function selectForSync(
  entries: readonly InboxEntry[],
  since: string | undefined,
): { messages: InboxMessage[]; unread: number; cursor: string | null } {
  const sorted = [...entries].sort((a, b) => (a.cursor < b.cursor ? -1 : a.cursor > b.cursor ? 1 : 0));
  const picked = sorted.filter((e) => e.readAt === undefined || since === undefined || e.cursor > since);
  const last = sorted.at(-1)?.cursor;
  let cursor: string | null = since ?? null;
  if (last !== undefined && (cursor === null || last > cursor)) cursor = last;
  return {
    messages: picked.map(toInboxMessage),
    unread: sorted.filter((e) => e.readAt === undefined).length,
    cursor,
  };
}

export function messageEvent(entry: InboxEntry): ServerEvent {
  return { type: 'message', message: toInboxMessage(entry) };
}

// ---------------------------------------------------------------------------------------------------------------
// Use cases
// ---------------------------------------------------------------------------------------------------------------

export interface ResolveDeps {
  readonly directory: AgentDirectory;
}

const GROUP_PAGE = 1000;

/** Resolves selectors to agents of the caller's tenant: explicit ids that exist, plus every member of each group. */
export async function resolveRecipients(
  deps: ResolveDeps,
  tenant: string,
  to: RecipientSelectors,
): Promise<{ recipients: Recipient[]; unknownIds: string[] }> {
  const explicitIds = [...new Set(to.agentIds)];
  const profiles = explicitIds.length > 0 ? await deps.directory.getMany(tenant, explicitIds) : [];
  const found = new Set(profiles.map((p) => p.agentId));
  const explicit: Recipient[] = profiles.map((p) => ({ agentId: p.agentId, displayName: p.displayName }));
  const groups: Recipient[][] = [];
  for (const { field, kind } of SELECTOR_KINDS) {
    for (const value of new Set(to[field])) {
      let cursor: string | undefined;
      do {
        const page = await deps.directory.listGroup(tenant, kind, value, { cursor, limit: GROUP_PAGE });
        groups.push(page.items);
        cursor = page.cursor;
      } while (cursor);
    }
  }
  return {
    recipients: mergeRecipients(explicit, ...groups),
    unknownIds: explicitIds.filter((id) => !found.has(id)).sort(),
  };
}

export interface PreviewResult {
  readonly count: number;
  /** Set when exactly one agent is addressed. */
  readonly recipient: Recipient | null;
  /** The first recipients by id (up to `limit`). */
  readonly recipients: Recipient[];
  readonly unknownIds: string[];
}

export async function previewRecipients(
  deps: ResolveDeps,
  principal: Principal,
  to: RecipientSelectors,
  limit = 50,
): Promise<PreviewResult> {
  const { recipients, unknownIds } = await resolveRecipients(deps, principal.tenant, to);
  return {
    count: recipients.length,
    recipient: recipients.length === 1 ? (recipients[0] ?? null) : null,
    recipients: recipients.slice(0, limit),
    unknownIds: unknownIds.slice(0, 100),
  };
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

// ---------------------------------------------------------------------------------------------------------------
// Agents: sync, inbox, read receipts
// ---------------------------------------------------------------------------------------------------------------

export interface InboxDeps {
  readonly inbox: InboxRepository;
  readonly notifier: Notifier;
  readonly clock: Clock;
}

/** What reading the inbox needs (no notifier: sync and GET /inbox never push). */
export type InboxReadDeps = Pick<InboxDeps, 'inbox' | 'clock'> & {
  /** Marks many entries delivered off the request path (an async worker); without it they are marked inline. */
  readonly receipts?: DeferredReceipts;
};

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

/**
 * Entries marked inline at most; beyond this a reconnecting agent's sync hands the marks to the receipts worker, so
 * that the reply does not wait for one write per message (500 unread would be 500 updates).
 */
export const INLINE_DELIVERED_MARKS = 25;

/** The receipts worker: marks entries delivered (idempotent: an entry already delivered keeps its first time). */
export async function applyDeliveredReceipts(
  deps: Pick<InboxDeps, 'inbox'>,
  receipts: DeliveredReceipts,
): Promise<void> {
  await deps.inbox.markDelivered(receipts.tenant, receipts.agentId, receipts.messageIds, receipts.atMs);
}

/** Marks entries the agent is now being handed as delivered (those a push did not reach). */
async function noteDelivered(deps: InboxReadDeps, principal: Principal, entries: readonly InboxEntry[], atMs: number) {
  const fresh = entries.filter((e) => e.deliveredAt === undefined).map((e) => e.messageId);
  if (fresh.length === 0) return;
  if (fresh.length > INLINE_DELIVERED_MARKS && deps.receipts) {
    await deps.receipts.markDeliveredLater({
      tenant: principal.tenant,
      agentId: principal.user,
      messageIds: fresh,
      atMs,
    });
    return;
  }
  await deps.inbox.markDelivered(principal.tenant, principal.user, fresh, atMs);
}

/** `sync`: what the agent missed since `since` plus everything still unread today (one Query, see the file comment). */
export async function syncInbox(
  deps: InboxReadDeps,
  principal: Principal,
  since: string | undefined,
): Promise<{ messages: InboxMessage[]; unread: number; cursor: string | null }> {
  const now = deps.clock.now();
  const entries = await deps.inbox.listToday(principal.tenant, principal.user, now);
  const result = selectForSync(entries, since);
  const handed = new Set(result.messages.map((m) => m.id));
  await noteDelivered(
    deps,
    principal,
    entries.filter((e) => handed.has(e.messageId)),
    now,
  );
  return result;
}

/** GET /inbox: today's messages, newest first, optionally filtered by a case-insensitive substring. */
export interface InboxQuery {
  /** Case-insensitive substring of the text or the sender's name. */
  readonly q?: string | undefined;
  /** The `cursor` of the previous page: this page holds the entries older than it. */
  readonly cursor?: string | undefined;
  readonly limit: number;
}

/** What `inboxCursor` produces; anything else given as a page cursor is a 400, never a 500 or a silent first page. */
const INBOX_CURSOR = /^\d{13}-[0-9a-f]{32}$/;

/**
 * `GET /inbox`: one page of the caller's messages of today, newest first, optionally searched. The day is one Query
 * (inbox entries are keyed by message id, so DynamoDB cannot page them by time; a day's inbox is small), paged here
 * with the entries' own cursors: `cursor` is the next page's or null, like `GET /messages`. `syncCursor` is what a
 * WebSocket `sync` may start from, `unread` counts the whole day. Only the entries handed out are marked delivered.
 */
export async function inboxToday(
  deps: InboxReadDeps,
  principal: Principal,
  query: InboxQuery,
): Promise<{ messages: InboxMessage[]; unread: number; cursor: string | null; syncCursor: string | null }> {
  if (query.cursor !== undefined && !INBOX_CURSOR.test(query.cursor))
    throw new BadRequestError('BAD_CURSOR', 'Invalid cursor');
  const now = deps.clock.now();
  const entries = await deps.inbox.listToday(principal.tenant, principal.user, now);
  const needle = query.q?.toLocaleLowerCase();
  const older = (e: InboxEntry) => query.cursor === undefined || e.cursor < query.cursor;
  const matching = entries
    .filter(
      (e) =>
        older(e) &&
        (!needle || e.text.toLocaleLowerCase().includes(needle) || e.from.name.toLocaleLowerCase().includes(needle)),
    )
    .sort((a, b) => (a.cursor < b.cursor ? 1 : a.cursor > b.cursor ? -1 : 0));
  const page = matching.slice(0, query.limit);
  await noteDelivered(deps, principal, page, now);
  const all = selectForSync(entries, undefined);
  const last = page.at(-1);
  return {
    messages: page.map(toInboxMessage),
    unread: all.unread,
    cursor: matching.length > page.length && last ? last.cursor : null,
    syncCursor: all.cursor,
  };
}

export type ReadSelection = { readonly ids: readonly string[] } | { readonly all: true };

/**
 * Marks messages read (only the caller's own entries: the key is built from the caller's identity), tells the senders
 * (`receipt` events) and the agent's other connections (`read` event).
 */
export async function markRead(
  deps: InboxDeps,
  principal: Principal,
  selection: ReadSelection,
): Promise<{ read: string[]; unread: number; readAt: string }> {
  const now = deps.clock.now();
  const readAt = new Date(now).toISOString();
  let ids: readonly string[];
  if ('all' in selection) {
    const entries = await deps.inbox.listToday(principal.tenant, principal.user, now);
    ids = entries.filter((e) => e.readAt === undefined).map((e) => e.messageId);
  } else {
    ids = [...new Set(selection.ids)];
  }
  const newly = ids.length > 0 ? await deps.inbox.markRead(principal.tenant, principal.user, ids, now) : [];
  const bySender = new Map<string, InboxEntry[]>();
  for (const e of newly) bySender.set(e.from.id, [...(bySender.get(e.from.id) ?? []), e]);
  for (const [sender, entries] of bySender) {
    await deps.notifier.toUser(principal.tenant, sender, {
      type: 'receipt',
      receipts: entries.map((e) => ({
        messageId: e.messageId,
        agentId: principal.user,
        name: e.agentName,
        readAt: e.readAt ?? readAt,
      })),
    });
  }
  if (newly.length > 0) {
    await deps.notifier.toUser(principal.tenant, principal.user, {
      type: 'read',
      messageIds: newly.map((e) => e.messageId),
      readAt,
    });
  }
  const remaining = await deps.inbox.listToday(principal.tenant, principal.user, now);
  return {
    read: newly.map((e) => e.messageId),
    unread: remaining.filter((e) => e.readAt === undefined).length,
    readAt,
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Senders: reports
// ---------------------------------------------------------------------------------------------------------------

export interface ReportDeps {
  readonly messages: MessageRepository;
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
  page: { cursor?: string; limit: number },
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
    ? await deps.messages.liveDeliveries(principal.tenant, id, record.plan.planId)
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
  page: { cursor?: string; limit: number },
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
