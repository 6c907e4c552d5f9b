import { LambdaClient } from '@aws-sdk/client-lambda';
import * as z from 'zod';
import { DynamoDirectoryRepository } from '#adapters/directory-repository.ts';
import { DynamoInboxRepository } from '#adapters/inbox-repository.ts';
import { LambdaDeferredReceipts, LambdaFanOutDispatcher } from '#adapters/message-dispatcher.ts';
import { DynamoMessageRepository } from '#adapters/message-repository.ts';
import type { RecoveryDeps } from '#domain/message-recovery.ts';
import type { DeliverDeps, InboxDeps, InboxReadDeps, ReportDeps, SendDeps } from '#domain/messages.ts';
import { loadEnv } from './env.ts';
import { clock, documentClient, mainTable, notifier, settingsRepository } from './runtime.ts';

/**
 * Composition helpers of the messaging capability, in the style of runtime.ts: adapters built once per execution
 * environment, from configuration validated at first use (handlers call these at module scope, so a missing variable
 * fails the cold start).
 */
let directory: DynamoDirectoryRepository | undefined;
export function directoryRepository(): DynamoDirectoryRepository {
  directory ??= new DynamoDirectoryRepository(documentClient(), mainTable());
  return directory;
}

let messages: DynamoMessageRepository | undefined;
export function messageRepository(): DynamoMessageRepository {
  messages ??= new DynamoMessageRepository(documentClient(), mainTable(), clock);
  return messages;
}

let inbox: DynamoInboxRepository | undefined;
export function inboxRepository(): DynamoInboxRepository {
  inbox ??= new DynamoInboxRepository(documentClient(), mainTable(), clock);
  return inbox;
}

/** The registry name of the fan-out worker; its env var is `FN_MESSAGE_FAN_OUT` (see `functionEnvVar`). */
export const FAN_OUT_FUNCTION = 'MessageFanOut';

let dispatcher: LambdaFanOutDispatcher | undefined;
export function fanOutDispatcher(): LambdaFanOutDispatcher {
  const { FN_MESSAGE_FAN_OUT } = loadEnv({ FN_MESSAGE_FAN_OUT: z.string().min(1) });
  // The endpoint comes from the SDK's standard configuration (`AWS_ENDPOINT_URL_LAMBDA` locally).
  dispatcher ??= new LambdaFanOutDispatcher(new LambdaClient({}), FN_MESSAGE_FAN_OUT);
  return dispatcher;
}

export function deliverDeps(): DeliverDeps {
  return {
    directory: directoryRepository(),
    messages: messageRepository(),
    inbox: inboxRepository(),
    notifier: notifier(),
    clock,
  };
}

export function sendDeps(): SendDeps {
  return { ...deliverDeps(), settings: settingsRepository(), dispatcher: fanOutDispatcher() };
}

export function recoveryDeps(): RecoveryDeps {
  return { messages: messageRepository(), dispatcher: fanOutDispatcher(), notifier: notifier(), clock };
}

export function inboxDeps(): InboxDeps {
  return { inbox: inboxRepository(), notifier: notifier(), clock };
}

/** For functions that read the inbox but never push (no `WS_ENDPOINT` needed). */
export function inboxReadDeps(): InboxReadDeps {
  return { inbox: inboxRepository(), clock, receipts: deferredReceipts() };
}

let receipts: LambdaDeferredReceipts | undefined;
/** The receipts worker (`FN_INBOX_RECEIPTS`): large batches of delivered marks leave the request path. */
export function deferredReceipts(): LambdaDeferredReceipts {
  const { FN_INBOX_RECEIPTS } = loadEnv({ FN_INBOX_RECEIPTS: z.string().min(1) });
  receipts ??= new LambdaDeferredReceipts(new LambdaClient({}), FN_INBOX_RECEIPTS);
  return receipts;
}

export function reportDeps(): ReportDeps {
  return { messages: messageRepository(), inbox: inboxRepository(), settings: settingsRepository(), clock };
}
