import * as z from 'zod';
import { HttpConnectionGateway } from '#adapters/connection-gateway-http.ts';
import { type ConnectionGateway, ConnectionNotifier } from '#adapters/connection-notifier.ts';
import { DynamoConnectionRepository } from '#adapters/connection-repository.ts';
import { CachedSubscriptionStore, DynamoSubscriptionStore, MonitoringNotifier } from '#adapters/monitoring-notifier.ts';
import type { SubscriptionStore } from '#domain/monitoring.ts';
import type { Notifier } from '#domain/notifier.ts';
import { loadEnv } from '#shared/env.ts';
import { clock, documentClient, mainTable } from './core.ts';
import { once } from './once.ts';

/**
 * Composition of the WebSocket side every capability pushes through: the connection records, the @connections API,
 * the supervisors' subscriptions and THE notifier. A read-only route imports none of this, so its function neither
 * builds the @connections client nor gets `WS_ENDPOINT` or the grant for it.
 */
export const connectionRepository = /*@__PURE__*/ once(
  () => new DynamoConnectionRepository(documentClient(), mainTable(), clock),
);

/**
 * The @connections API (`WS_ENDPOINT`: the stage's callback URL in the cloud, the local gateway locally), posted to
 * by the keep-alive SigV4 client (adapters/connection-gateway-http.ts), the one way this code base posts frames. The
 * endpoint is read at once, so a missing variable still fails the cold start; the client (and the SDK configuration
 * it takes credentials and region from) is built at the first post, so an invocation that pushes nothing (nobody
 * connected, nobody watching) never builds it.
 */
export const connectionGateway = /*@__PURE__*/ once<ConnectionGateway>(() => {
  const { WS_ENDPOINT } = loadEnv({ WS_ENDPOINT: z.url() });
  const http = once(() => HttpConnectionGateway.forEndpoint(WS_ENDPOINT));
  return { post: (connectionId, data) => http().post(connectionId, data) };
});

/** Pushes to users' own connections only; capabilities push through `notifier()` instead. */
export const connectionNotifier = /*@__PURE__*/ once(
  () => new ConnectionNotifier(connectionRepository(), connectionGateway()),
);

/** Status-feed and silent-monitor subscriptions of supervisors' connections (cached briefly per environment). */
export const subscriptionStore = /*@__PURE__*/ once<SubscriptionStore>(
  () => new CachedSubscriptionStore(new DynamoSubscriptionStore(documentClient(), mainTable(), clock), clock),
);

/**
 * THE notifier every capability pushes through: it delivers to the user's connections and mirrors what an agent
 * receives to the supervisors silently monitoring that agent (the agent is never told).
 */
export const notifier = /*@__PURE__*/ once<Notifier>(
  () => new MonitoringNotifier(connectionNotifier(), subscriptionStore(), connectionGateway()),
);
