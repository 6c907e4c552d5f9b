import type { Subscription, SubscriptionStore } from '#domain/monitoring.ts';
import type { ServerEvent } from '#domain/notifier.ts';
import { mapLimit } from '#shared/concurrency.ts';
import { logger } from '#shared/powertools.ts';
import type { ConnectionGateway } from './connection-notifier.ts';

/** Posts one frame to subscription connections; a 410 removes that connection's subscriptions (and only those). */
export async function postToSubscriptions(
  gateway: ConnectionGateway,
  subscriptions: SubscriptionStore,
  subs: readonly Subscription[],
  frame: ServerEvent,
): Promise<number> {
  const data = JSON.stringify(frame);
  let delivered = 0;
  const byConnection = new Map(subs.map((s) => [s.connectionId, s]));
  await mapLimit([...byConnection.values()], 32, async (sub) => {
    try {
      if ((await gateway.post(sub.connectionId, data)) === 'sent') delivered++;
      else await subscriptions.removeConnection(sub.tenant, sub.connectionId);
    } catch (error) {
      logger.warn('Supervision push failed', { connectionId: sub.connectionId, error: error as Error });
    }
  });
  return delivered;
}
