import { randomUUID } from 'node:crypto';
import type { Clock } from './clock.ts';
import { epochSeconds } from './clock.ts';
import { mapLimit } from './concurrency.ts';
import { AppError, ValidationError } from './errors.ts';
import { inboxCursor, messageEvent } from './inbox.ts';
import { messagingDay } from './message-cleardown.ts';
import {
  type DeliverySummary,
  type InboxEntry,
  type MessagePlan,
  type MessageRecord,
  type MessageStatus,
  type Recipient,
  type RecipientSelectors,
  SELECTOR_KINDS,
  summaryOf,
} from './message-model.ts';
import type {
  FanOutDispatcher,
  InboxRepository,
  MessageRepository,
  ShardDispatcher,
  ShardOutcome,
} from './message-ports.ts';
import {
  chunk,
  hasGroups,
  IdempotencyKeyReusedError,
  messageIdFor,
  normaliseSelectors,
  type ResolveDeps,
  requestHash,
  resolveRecipients,
} from './message-recipients.ts';
import type { DeliveryReport, Notifier } from './notifier.ts';
import type { Principal } from './principal.ts';
import type { SettingsRepository } from './settings.ts';

/**
 * Sending a coaching message and its fan-out, sharded.
 *
 * A send stores the message (its own idempotency record) and hands it to the fan-out coordinator, which resolves the
 * recipients once into a plan of shards (the snapshot, stored with the message) and starts one shard worker per shard
 * in parallel (Lambda async invokes). In the cloud every shard runs in its own execution environment, so a send's
 * delivery time is that of one shard, not of the whole recipient set.
 *
 * A shard works in waves of 100: a wave's inbox entries are written (batched), then its connections are looked up
 * (batched; the next wave's writes wait for that lookup only) and pushed while the next wave is written, then one
 * item records whom the wave's pushes reached (the delivered receipts: no write per recipient); last, the message's
 * checkpoint counts the shard, and the shard that completes the count completes the message and tells the sender.
 * DynamoDB requests per recipient: 1/25 entry writes + 1/100 connection reads + 1/100 wave records + a few per shard
 * and per send.
 *
 * Retries. Exactly one run of a shard is its first (a conditional claim); only that run writes entries in batches,
 * since nobody can have seen them yet. A later run — Lambda's retry of a failed shard, a re-drive — reads which entries
 * exist, adds the missing ones with conditional puts (never overwriting a cursor or a read state an agent may already
 * have), and pushes only the waves that have not recorded their pushes: a shard that failed after pushing a wave does
 * not push that wave again, and no agent ever gets a second entry.
 */

/** Sends to at most this many explicit ids, and no groups, complete inside the request (same code path). */
export const INLINE_RECIPIENT_LIMIT = 25;
/**
 * Recipients per shard: the unit of parallelism and of checkpointing. Chosen from the bench `fanout` (per-post cost
 * and per-shard overhead, see README "Fan-out"): large enough that a shard's fixed cost (an invoke, a handful of
 * requests) is small beside its posts, small enough that one shard's posts take well under a second in Lambda, so
 * that a 10,000-recipient send is as fast as API Gateway's account rate lets it be.
 */
export const SHARD_SIZE = 500;
/** Recipients per wave of a shard: pushed as soon as their entries are written (4 batch writes, 1 connection read). */
const WAVE_SIZE = 100;
/** Shards a coordinator without a shard dispatcher (the inline path, tests) runs at once. */
const INLINE_SHARDS_IN_FLIGHT = 4;
/**
 * A replay (same Idempotency-Key, same body) of a message still `sending` with no progress for this long re-dispatches
 * its fan-out: a healthy shard checkpoints within seconds, and a redundant run is harmless (every write is
 * idempotent; a shard pushed twice shows once, clients de-duplicate by id). See message-recovery.ts for the sweep.
 */
export const REPLAY_RESUMES_AFTER_MS = 10 * 1000;

export interface DeliverDeps extends ResolveDeps {
  readonly messages: MessageRepository;
  readonly inbox: InboxRepository;
  readonly notifier: Notifier;
  readonly clock: Clock;
  /** Starts shards in parallel workers; without it the coordinator runs every shard itself. */
  readonly shards?: ShardDispatcher;
  /** Recipients per shard. @default SHARD_SIZE */
  readonly shardSize?: number;
}

export interface SendDeps extends DeliverDeps {
  readonly settings: SettingsRepository;
  readonly dispatcher: FanOutDispatcher;
}

export interface SendInput {
  readonly text: string;
  readonly to: RecipientSelectors;
  readonly idempotencyKey?: string | undefined;
}

export interface SendResult {
  readonly id: string;
  readonly status: MessageStatus;
  /** True when this call replayed an earlier request with the same idempotency key. */
  readonly replayed: boolean;
  readonly sentAt: string;
  readonly summary: DeliverySummary | null;
  /** Why a send ended `failed`. */
  readonly failure?: { readonly reason: string; readonly at: string };
}

/**
 * Whether the selectors reach at least one agent, cheaply: the explicit ids a hundred at a time and one member per
 * group, stopping at the first hit (the full resolution is the fan-out's job).
 */
async function reachesAnyone(deps: ResolveDeps, tenant: string, to: RecipientSelectors): Promise<boolean> {
  const ids = [...new Set(to.agentIds)];
  for (let i = 0; i < ids.length; i += 100)
    if ((await deps.directory.getMany(tenant, ids.slice(i, i + 100))).length > 0) return true;
  for (const { field, kind } of SELECTOR_KINDS)
    for (const value of new Set(to[field]))
      if ((await deps.directory.listGroup(tenant, kind, value, { limit: 1 })).items.length > 0) return true;
  return false;
}

/**
 * Creates the message (once per idempotency key), then delivers it inline when small, else through the worker. A send
 * that reaches nobody — unknown ids, empty groups — is refused (422 `NO_RECIPIENTS`) rather than stored as a complete
 * message to no one.
 */
export async function sendMessage(deps: SendDeps, principal: Principal, input: SendInput): Promise<SendResult> {
  const settings = await deps.settings.get(principal.tenant);
  const length = [...input.text].length;
  if (length > settings.messaging.maxTextLength) {
    throw new ValidationError(`Invalid request body: text: at most ${settings.messaging.maxTextLength} characters`, [
      { path: 'text', message: `Too long: ${length} characters, at most ${settings.messaging.maxTextLength} allowed` },
    ]);
  }
  const now = deps.clock.now();
  const to = normaliseSelectors(input.to);
  if (!(await reachesAnyone(deps, principal.tenant, to))) {
    const unknownIds = [...new Set(to.agentIds)].sort().slice(0, 100);
    throw new AppError(422, 'NO_RECIPIENTS', 'None of the recipients is an agent of this tenant', { unknownIds });
  }
  const day = messagingDay(now, {
    timeZone: settings.general.timeZone,
    cleardownHour: settings.messaging.cleardownHour,
  });
  const record: MessageRecord = {
    tenant: principal.tenant,
    id: messageIdFor(principal.tenant, principal.user, input.idempotencyKey),
    text: input.text,
    from: { id: principal.user, name: principal.name ?? principal.user },
    sentAt: new Date(now).toISOString(),
    expiresAt: epochSeconds(day.end),
    to,
    requestHash: requestHash(input.text, to),
    status: 'sending',
    persisted: [],
    pushed: [],
    stats: { reachedLive: 0, delivered: 0, gone: 0, failed: 0 },
    lastProgressAt: now,
    redrives: 0,
  };
  const existing = await deps.messages.create(record);
  if (existing) {
    if (existing.requestHash !== record.requestHash) throw new IdempotencyKeyReusedError();
    if (existing.status === 'sending' && now - existing.lastProgressAt > REPLAY_RESUMES_AFTER_MS) {
      // The first attempt stalled (a crash, retries exhausted): the replay resumes it from its checkpoints.
      await deps.dispatcher.dispatch(existing.tenant, existing.id);
    }
    return {
      id: existing.id,
      status: existing.status,
      replayed: true,
      sentAt: existing.sentAt,
      summary: summaryOf(existing),
      ...(existing.failure ? { failure: existing.failure } : {}),
    };
  }
  if (!hasGroups(to) && to.agentIds.length <= INLINE_RECIPIENT_LIMIT) {
    const summary = await deliverMessage(deps, principal.tenant, record.id);
    return { id: record.id, status: 'complete', replayed: false, sentAt: record.sentAt, summary };
  }
  await deps.dispatcher.dispatch(record.tenant, record.id);
  return { id: record.id, status: 'sending', replayed: false, sentAt: record.sentAt, summary: null };
}

/**
 * The fan-out coordinator (worker or inline): plans the shards once, then runs the first pending shard itself and
 * starts the others in parallel (or, without a shard dispatcher, runs them all here). Idempotent: the plan is saved
 * once (concurrent runs agree on one), and shards already pushed are not started again — a re-drive only restarts
 * what is missing. Returns the summary once the message is complete, else `null` (shards still running, or the
 * message expired or failed).
 */
export async function deliverMessage(
  deps: DeliverDeps,
  tenant: string,
  messageId: string,
): Promise<DeliverySummary | null> {
  const record = await deps.messages.get(tenant, messageId);
  if (!record) return null;
  if (record.status === 'complete') return summaryOf(record);
  // A failed send is final: the sender was told, and a late run must not turn it into something else.
  if (record.status === 'failed') return null;
  let plan = record.plan;
  if (!plan) {
    const resolved = await resolveRecipients(deps, tenant, record.to);
    const parts = chunk(resolved.recipients, deps.shardSize ?? SHARD_SIZE);
    const proposal: MessagePlan = {
      planId: randomUUID(),
      chunkCount: parts.length,
      recipientCount: resolved.recipients.length,
      unknownIds: resolved.unknownIds,
    };
    plan = await deps.messages.savePlan(record, proposal, parts);
  }
  const pushed = new Set(record.pushed);
  const pending = Array.from({ length: plan.chunkCount }, (_, i) => i).filter((i) => !pushed.has(i));
  const planned: MessageRecord = { ...record, plan };
  if (pending.length === 0) return finish(deps, planned);
  const [own, ...others] = pending;
  if (deps.shards) {
    if (others.length > 0) await deps.shards.dispatchShards(tenant, messageId, others);
    return own === undefined ? null : deliverShard(deps, tenant, messageId, own, planned);
  }
  const summaries = await mapLimit(pending, INLINE_SHARDS_IN_FLIGHT, (i) =>
    deliverShard(deps, tenant, messageId, i, planned),
  );
  return summaries.find((s) => s !== null) ?? summaryOf((await deps.messages.get(tenant, messageId)) ?? planned);
}

/**
 * One shard of a message's fan-out (see the file comment): entries, pushes, the record of whom they reached, the
 * checkpoint. Returns the message's summary when this shard completed the message, else `null`.
 */
export async function deliverShard(
  deps: DeliverDeps,
  tenant: string,
  messageId: string,
  index: number,
  known?: MessageRecord,
): Promise<DeliverySummary | null> {
  const record = known ?? (await deps.messages.get(tenant, messageId));
  if (record?.status !== 'sending' || !record.plan || index >= record.plan.chunkCount) return null;
  const plan = record.plan;
  if (record.pushed.includes(index)) return finishIfAllPushed(deps, record, plan, record.pushed.length);
  const [recipients, claim] = await Promise.all([
    deps.messages.getChunk(tenant, messageId, plan.planId, index),
    deps.messages.claimShard(record, plan.planId, index),
  ]);
  const done = claim.first ? new Map<number, ShardOutcome>() : claim.waves;
  const outcomes: ShardOutcome[] = [...done.values()];
  // Waves pipeline the shard: a wave is pushed as soon as its own entries are durable, while the next wave's entries
  // are written — the table's write time overlaps the posts instead of preceding them all.
  const pushes: Promise<void>[] = [];
  let failure: { error: unknown } | undefined;
  for (const [w, wave] of chunk(recipients, WAVE_SIZE).entries()) {
    if (done.has(w)) continue; // pushed and recorded by an earlier run: never pushed twice
    let entries: InboxEntry[];
    try {
      entries = claim.first ? await writeEntries(deps, record, wave) : await ensureEntries(deps, record, wave);
    } catch (error) {
      failure = { error };
      break;
    }
    const deliveries = entries.map((entry) => ({ user: entry.agentId, event: messageEvent(entry) }));
    // The wave's connections (one BatchGetItem) are looked up after its entries are written — a socket that connects
    // later syncs and finds its entry — and before the next wave's writes start, so that the lookup does not queue
    // behind them in the table; the posts then overlap the next wave's writes.
    let send: () => Promise<DeliveryReport>;
    try {
      send = deps.notifier.prepareEach
        ? await deps.notifier.prepareEach(tenant, deliveries)
        : () => deps.notifier.toEach(tenant, deliveries);
    } catch (error) {
      failure = { error };
      break;
    }
    pushes.push(
      (async () => {
        const report = await send();
        const outcome: ShardOutcome = {
          reached: [...report.usersReached].sort(),
          atMs: deps.clock.now(),
          delivered: report.delivered,
          gone: report.gone,
          failed: report.failed,
        };
        await deps.messages.recordWave(record, plan.planId, index, w, outcome);
        outcomes.push(outcome);
      })(),
    );
  }
  // Waves already pushing finish and record themselves before a failure is reported: their retry must skip them.
  const settled = await Promise.allSettled(pushes);
  if (failure) throw failure.error;
  for (const s of settled) if (s.status === 'rejected') throw s.reason;
  const count = await deps.messages.markShardPushed(tenant, messageId, index, deps.clock.now(), statsOf(outcomes));
  return finishIfAllPushed(deps, record, plan, count);
}

function statsOf(outcomes: readonly ShardOutcome[]): MessageRecord['stats'] {
  return {
    reachedLive: outcomes.reduce((n, o) => n + o.reached.length, 0),
    delivered: outcomes.reduce((n, o) => n + o.delivered, 0),
    gone: outcomes.reduce((n, o) => n + o.gone, 0),
    failed: outcomes.reduce((n, o) => n + o.failed, 0),
  };
}

/** The first run of a shard: nobody can have seen its entries, so they are written in batches (unconditionally). */
async function writeEntries(deps: DeliverDeps, record: MessageRecord, recipients: readonly Recipient[]) {
  const writeMs = deps.clock.now();
  const entries = recipients.map((r) => entryFor(record, r, writeMs));
  await deps.inbox.putEntries(entries, 'new');
  return entries;
}

/**
 * A later run of a shard: the entries that exist keep their cursor and read state (an agent may have synced or read
 * them); the missing ones are added with conditional puts, then read back with the rest.
 */
async function ensureEntries(
  deps: DeliverDeps,
  record: MessageRecord,
  recipients: readonly Recipient[],
): Promise<InboxEntry[]> {
  const ids = recipients.map((r) => r.agentId);
  const existing = await deps.inbox.getForMessage(record.tenant, record.id, ids);
  const have = new Set(existing.map((e) => e.agentId));
  const missing = recipients.filter((r) => !have.has(r.agentId));
  if (missing.length === 0) return existing;
  const writeMs = deps.clock.now();
  await deps.inbox.putEntries(
    missing.map((r) => entryFor(record, r, writeMs)),
    'keep-existing',
  );
  return [
    ...existing,
    ...(await deps.inbox.getForMessage(
      record.tenant,
      record.id,
      missing.map((r) => r.agentId),
    )),
  ];
}

function entryFor(record: MessageRecord, r: Recipient, writeMs: number): InboxEntry {
  return {
    tenant: record.tenant,
    agentId: r.agentId,
    agentName: r.displayName,
    messageId: record.id,
    text: record.text,
    from: record.from,
    sentAt: record.sentAt,
    cursor: inboxCursor(writeMs, record.id),
    expiresAt: record.expiresAt,
  };
}

async function finishIfAllPushed(
  deps: DeliverDeps,
  record: MessageRecord,
  plan: MessagePlan,
  pushedCount: number,
): Promise<DeliverySummary | null> {
  return pushedCount >= plan.chunkCount ? finish(deps, { ...record, plan }) : null;
}

/** Completes the message once (the run that flips it tells the sender) and returns its summary. */
async function finish(deps: DeliverDeps, record: MessageRecord): Promise<DeliverySummary | null> {
  const completed = await deps.messages.complete(record.tenant, record.id, deps.clock.now());
  const final = (await deps.messages.get(record.tenant, record.id)) ?? record;
  // Not completed by this run: whatever the message is now (complete, or failed meanwhile) is the answer.
  if (!completed) return summaryOf(final);
  const summary = summaryOf({ ...final, status: 'complete', plan: final.plan ?? record.plan });
  await deps.notifier.toUser(record.tenant, record.from.id, {
    type: 'messageStatus',
    messageId: record.id,
    status: 'complete',
    summary,
  });
  return summary;
}
