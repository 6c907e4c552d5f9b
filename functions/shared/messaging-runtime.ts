import { LambdaClient } from '@aws-sdk/client-lambda';
import * as z from 'zod';
import { HttpConnectionGateway } from '#adapters/connection-gateway-http.ts';
import { ConnectionNotifier } from '#adapters/connection-notifier.ts';
import { DynamoDirectoryRepository } from '#adapters/directory-repository.ts';
import { DynamoInboxRepository } from '#adapters/inbox-repository.ts';
import { LambdaDeferredReceipts, LambdaFanOutDispatcher, LambdaShardDispatcher } from '#adapters/message-dispatcher.ts';
import { DynamoMessageRepository } from '#adapters/message-repository.ts';
import { MonitoringNotifier } from '#adapters/monitoring-notifier.ts';
import type { RecoveryDeps } from '#domain/message-recovery.ts';
import type { DeliverDeps, SendDeps } from '#domain/message-send.ts';
import type { InboxDeps, InboxReadDeps, ReportDeps } from '#domain/messages.ts';
import type { Notifier } from '#domain/notifier.ts';
import { loadEnv } from './env.ts';
import {
  clock,
  connectionRepository,
  documentClient,
  mainTable,
  notifier,
  settingsRepository,
  subscriptionStore,
} from './runtime.ts';

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

/** The registry name of the shard worker; its env var is `FN_MESSAGE_FAN_OUT_SHARD`. */
export const FAN_OUT_SHARD_FUNCTION = 'MessageFanOutShard';

let fanOutNotifier: Notifier | undefined;
/**
 * The notifier of the fan-out workers: THE notifier's behaviour (own connections, monitors mirrored, gone connections
 * deleted), posting through the keep-alive SigV4 client instead of the SDK's command stack — the workers post
 * thousands of times per send and are CPU-bound on the per-post cost (see connection-gateway-http.ts).
 */
function fanOutPushNotifier(): Notifier {
  if (!fanOutNotifier) {
    const gateway = HttpConnectionGateway.forEndpoint(loadEnv({ WS_ENDPOINT: z.url() }).WS_ENDPOINT);
    fanOutNotifier = new MonitoringNotifier(
      new ConnectionNotifier(connectionRepository(), gateway),
      subscriptionStore(),
      gateway,
    );
  }
  return fanOutNotifier;
}

/** A shard worker's dependencies. */
export function shardDeps(): DeliverDeps {
  return { ...deliverDeps(), notifier: fanOutPushNotifier() };
}

/** The coordinator's: a shard worker's, plus starting the other shards (`FN_MESSAGE_FAN_OUT_SHARD`). */
export function fanOutDeps(): DeliverDeps {
  const { FN_MESSAGE_FAN_OUT_SHARD } = loadEnv({ FN_MESSAGE_FAN_OUT_SHARD: z.string().min(1) });
  return { ...shardDeps(), shards: new LambdaShardDispatcher(new LambdaClient({}), FN_MESSAGE_FAN_OUT_SHARD) };
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
