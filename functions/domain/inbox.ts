import type { Clock } from './clock.ts';
import { BadRequestError } from './errors.ts';
import type { InboxEntry, InboxMessage } from './message-model.ts';
import type { DeferredReceipts, DeliveredReceipts, InboxRepository } from './message-ports.ts';
import type { Notifier, ServerEvent } from './notifier.ts';
import type { Principal } from './principal.ts';

/**
 * The agents' inbox: sync, GET /inbox, delivered and read receipts.
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

/** Cursor of an inbox entry written at `writeMs` (see the file comment for why write order, not creation time). */
export function inboxCursor(writeMs: number, messageId: string): string {
  return `${String(Math.max(0, Math.floor(writeMs))).padStart(13, '0')}-${messageId}`;
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
