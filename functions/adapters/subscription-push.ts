import type { Subscription, SubscriptionStore } from '#domain/monitoring.ts';
import type { ServerEvent } from '#domain/notifier.ts';
import { logger } from '#shared/powertools.ts';
import { type ConnectionGateway, pushToConnections } from './connection-notifier.ts';

/** Posts one frame to subscription connections; a 410 removes that connection's subscriptions (and only those). */
export async function postToSubscriptions(
  gateway: ConnectionGateway,
  subscriptions: SubscriptionStore,
  subs: readonly Subscription[],
  frame: ServerEvent,
): Promise<number> {
  const data = JSON.stringify(frame);
  const byConnection = new Map(subs.map((s) => [s.connectionId, s]));
  const { delivered } = await pushToConnections(gateway, [...byConnection.values()], () => data, {
    onGone: (sub) => subscriptions.removeConnection(sub.tenant, sub.connectionId),
    onFailed: (sub, error) =>
      logger.warn('Supervision push failed', { connectionId: sub.connectionId, error: error as Error }),
  });
  return delivered;
}
