import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import * as z from 'zod';
import {
  ApiGatewayConnectionGateway,
  type ConnectionGateway,
  ConnectionNotifier,
} from '#adapters/connection-notifier.ts';
import { DynamoConnectionRepository } from '#adapters/connection-repository.ts';
import { createDocumentClient } from '#adapters/dynamo.ts';
import { CachedSubscriptionStore, DynamoSubscriptionStore, MonitoringNotifier } from '#adapters/monitoring-notifier.ts';
import { DynamoSettingsRepository } from '#adapters/settings-repository.ts';
import { once } from '#composition/once.ts';
import { type Clock, systemClock } from '#domain/clock.ts';
import type { SubscriptionStore } from '#domain/monitoring.ts';
import type { Notifier } from '#domain/notifier.ts';
import { loadEnv } from './env.ts';

/**
 * The composition root shared by handlers: adapters are built once per execution environment, on first use, from
 * configuration validated at that moment. A handler calls these at module scope, so a missing variable fails the
 * cold start instead of a request.
 */
let client: DynamoDBDocumentClient | undefined;
export function documentClient(): DynamoDBDocumentClient {
  client ??= createDocumentClient();
  return client;
}

export function mainTable(): string {
  return loadEnv({ TABLE_NAME: z.string().min(1) }).TABLE_NAME;
}

export const clock: Clock = systemClock;

let connections: DynamoConnectionRepository | undefined;
export function connectionRepository(): DynamoConnectionRepository {
  connections ??= new DynamoConnectionRepository(documentClient(), mainTable(), clock);
  return connections;
}

let gateway: ConnectionGateway | undefined;
/**
 * The @connections API (`WS_ENDPOINT`: the stage's callback URL in the cloud, the local gateway locally). The
 * endpoint is read at once, so a missing variable still fails the cold start; the SDK client is built at the first
 * post, so an invocation that pushes nothing (nobody connected, nobody watching) never builds it.
 */
export function connectionGateway(): ConnectionGateway {
  if (!gateway) {
    const { WS_ENDPOINT } = loadEnv({ WS_ENDPOINT: z.url() });
    const sdk = /*@__PURE__*/ once(() => ApiGatewayConnectionGateway.forEndpoint(WS_ENDPOINT));
    gateway = { post: (connectionId, data) => sdk().post(connectionId, data) };
  }
  return gateway;
}

let plainNotifier: ConnectionNotifier | undefined;
/** Pushes to users' own connections only; capabilities push through `notifier()` instead. */
export function connectionNotifier(): ConnectionNotifier {
  plainNotifier ??= new ConnectionNotifier(connectionRepository(), connectionGateway());
  return plainNotifier;
}

let subscriptions: SubscriptionStore | undefined;
/** Status-feed and silent-monitor subscriptions of supervisors' connections (cached briefly per environment). */
export function subscriptionStore(): SubscriptionStore {
  subscriptions ??= new CachedSubscriptionStore(
    new DynamoSubscriptionStore(documentClient(), mainTable(), clock),
    clock,
  );
  return subscriptions;
}

let pushNotifier: Notifier | undefined;
/**
 * THE notifier every capability pushes through: it delivers to the user's connections and mirrors what an agent
 * receives to the supervisors silently monitoring that agent (the agent is never told).
 */
export function notifier(): Notifier {
  pushNotifier ??= new MonitoringNotifier(connectionNotifier(), subscriptionStore(), connectionGateway());
  return pushNotifier;
}

let settings: DynamoSettingsRepository | undefined;
export function settingsRepository(): DynamoSettingsRepository {
  settings ??= new DynamoSettingsRepository(documentClient(), mainTable(), clock);
  return settings;
}
