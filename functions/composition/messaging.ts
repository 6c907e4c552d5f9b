import * as z from 'zod';
import { DynamoFanOutPlanStore } from '#adapters/fan-out-plan-store.ts';
import { DynamoInboxRepository } from '#adapters/inbox-repository.ts';
import { createLambdaClient } from '#adapters/lambda-invoke.ts';
import { LambdaDeferredReceipts, LambdaFanOutDispatcher, LambdaShardDispatcher } from '#adapters/message-dispatcher.ts';
import { DynamoMessageRepository } from '#adapters/message-repository.ts';
import { DynamoMessageStore } from '#adapters/message-store.ts';
import {
  applyDeliveredReceipts,
  type InboxDeps,
  type InboxQuery,
  type InboxReadDeps,
  inboxToday,
  markRead,
  syncInbox,
} from '#domain/inbox.ts';
import type { RecipientSelectors } from '#domain/message-model.ts';
import type { DeliveredReceipts } from '#domain/message-ports.ts';
import { previewRecipients } from '#domain/message-recipients.ts';
import { type RecoveryDeps, sweepStalledSends } from '#domain/message-recovery.ts';
import { messageReport, type ReportDeps, sentToday } from '#domain/message-reports.ts';
import { toReadSelection } from '#domain/message-schemas.ts';
import {
  type DeliverDeps,
  deliverMessage,
  deliverShard,
  type SendDeps,
  type SendInput,
  sendMessage,
} from '#domain/message-send.ts';
import type { Notifier } from '#domain/notifier.ts';
import type { Principal } from '#domain/principal.ts';
import { loadEnv } from '#shared/env.ts';
import { notifier } from './connections.ts';
import { clock, directoryRepository, documentClient, mainTable, settingsRepository } from './core.ts';
import { once } from './once.ts';

/**
 * Composition of the messaging capability: the handlers' facade. Each use case is wired with exactly the adapters it
 * uses, built on first use (handlers take theirs at module scope, so a missing variable fails the cold start): the
 * read-only routes (inbox, sync, sent messages, receipts, preview) never construct the notifier or an `@connections`
 * client, and only the functions that start a worker build a Lambda client.
 */
export {
  deliveredReceiptsEventSchema,
  fanOutEventSchema,
  fanOutShardEventSchema,
  idempotencyKeySchema,
  inboxQuerySchema,
  messageParamsSchema,
  messageTextSchema,
  ONE_READ_SELECTION,
  oneReadSelection,
  pageQuerySchema,
  previewBodySchema,
  readBodySchema,
  readSelectionShape,
  selectorsSchema,
  sendBodySchema,
  sentQuerySchema,
} from '#domain/message-schemas.ts';

const messageStore = /*@__PURE__*/ once(() => new DynamoMessageStore(documentClient(), mainTable(), clock));
const planStore = /*@__PURE__*/ once(() => new DynamoFanOutPlanStore(documentClient(), mainTable(), messageStore()));
const messageRepository = /*@__PURE__*/ once(() => new DynamoMessageRepository(messageStore(), planStore()));
const inboxRepository = /*@__PURE__*/ once(() => new DynamoInboxRepository(documentClient(), mainTable(), clock));

/** The fan-out coordinator (`FN_MESSAGE_FAN_OUT`, registry name `MessageFanOut`), started by sends and re-drives. */
const fanOutDispatcher = /*@__PURE__*/ once(() => {
  const { FN_MESSAGE_FAN_OUT } = loadEnv({ FN_MESSAGE_FAN_OUT: z.string().min(1) });
  // The endpoint comes from the SDK's standard configuration (`AWS_ENDPOINT_URL_LAMBDA` locally).
  return new LambdaFanOutDispatcher(createLambdaClient(), FN_MESSAGE_FAN_OUT);
});

/** The receipts worker (`FN_INBOX_RECEIPTS`): large batches of delivered marks leave the request path. */
const deferredReceipts = /*@__PURE__*/ once(() => {
  const { FN_INBOX_RECEIPTS } = loadEnv({ FN_INBOX_RECEIPTS: z.string().min(1) });
  return new LambdaDeferredReceipts(createLambdaClient(), FN_INBOX_RECEIPTS);
});

const deliverDeps = (push: Notifier): DeliverDeps => ({
  directory: directoryRepository(),
  messages: messageRepository(),
  inbox: inboxRepository(),
  notifier: push,
  clock,
});

/** Best effort: kept on the message, it is the reason its sender reads if the recovery sweep gives the send up. */
const noteError = (tenant: string, messageId: string, error: unknown): Promise<void> =>
  messageStore()
    .noteError(tenant, messageId, String((error as Error).message ?? error))
    .catch(() => undefined);

/**
 * POST /messages and `sendMessage`: a small send is delivered inline (pushed through THE notifier), a larger one starts
 * the fan-out coordinator.
 */
export const messageSending = /*@__PURE__*/ once(() => {
  const deps: SendDeps = { ...deliverDeps(notifier()), settings: settingsRepository(), dispatcher: fanOutDispatcher() };
  return {
    send: (principal: Principal, input: SendInput) => sendMessage(deps, principal, input),
  };
});

/** The fan-out coordinator: a shard worker's dependencies, plus starting the others (`FN_MESSAGE_FAN_OUT_SHARD`). */
export const fanOutCoordinator = /*@__PURE__*/ once(() => {
  const { FN_MESSAGE_FAN_OUT_SHARD } = loadEnv({ FN_MESSAGE_FAN_OUT_SHARD: z.string().min(1) });
  const deps: DeliverDeps = {
    ...deliverDeps(notifier()),
    shards: new LambdaShardDispatcher(createLambdaClient(), FN_MESSAGE_FAN_OUT_SHARD),
  };
  return { deliver: (tenant: string, messageId: string) => deliverMessage(deps, tenant, messageId), noteError };
});

/** A fan-out shard worker. */
export const fanOutShard = /*@__PURE__*/ once(() => {
  const deps = deliverDeps(notifier());
  return {
    deliver: (tenant: string, messageId: string, shard: number) => deliverShard(deps, tenant, messageId, shard),
    noteError,
  };
});

/** The recovery sweep: re-drives stalled sends through the coordinator, tells senders of those given up. */
export const stalledSendsSweep = /*@__PURE__*/ once(() => {
  const deps: RecoveryDeps = { messages: messageStore(), dispatcher: fanOutDispatcher(), notifier: notifier(), clock };
  return { sweep: () => sweepStalledSends(deps) };
});

/** POST /messages/preview: the directory only. */
export const recipientPreview = /*@__PURE__*/ once(() => {
  const deps = { directory: directoryRepository() };
  return { preview: (principal: Principal, to: RecipientSelectors) => previewRecipients(deps, principal, to) };
});

/** GET /inbox and `sync`: read and mark delivered, never push (no `WS_ENDPOINT`, no `@connections` grant). */
export const inboxReading = /*@__PURE__*/ once(() => {
  const deps: InboxReadDeps = { inbox: inboxRepository(), clock, receipts: deferredReceipts() };
  return {
    today: (principal: Principal, query: InboxQuery) => inboxToday(deps, principal, query),
    sync: (principal: Principal, since: string | undefined) => syncInbox(deps, principal, since),
  };
});

/** POST /inbox/read and `markRead`: senders get receipts, the agent's connections a `read` event. */
export const inboxMarking = /*@__PURE__*/ once(() => {
  const deps: InboxDeps = { inbox: inboxRepository(), notifier: notifier(), clock };
  return {
    markRead: (principal: Principal, body: Parameters<typeof toReadSelection>[0]) =>
      markRead(deps, principal, toReadSelection(body)),
  };
});

/** The receipts worker: the table only. */
export const receiptsWorker = /*@__PURE__*/ once(() => {
  const deps = { inbox: inboxRepository() };
  return { apply: (receipts: DeliveredReceipts) => applyDeliveredReceipts(deps, receipts) };
});

/** GET /messages and GET /messages/{id}: the sender's reports, read-only. */
export const messageReports = /*@__PURE__*/ once(() => {
  const deps: ReportDeps = {
    messages: messageStore(),
    plans: planStore(),
    inbox: inboxRepository(),
    settings: settingsRepository(),
    clock,
  };
  return {
    report: (principal: Principal, id: string, page: { cursor?: string | undefined; limit: number }) =>
      messageReport(deps, principal, id, page),
    sentToday: (principal: Principal, page: { cursor?: string | undefined; limit: number }) =>
      sentToday(deps, principal, page),
  };
});
