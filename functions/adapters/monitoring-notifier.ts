import type { Subscription, SubscriptionStore } from '#domain/monitoring.ts';
import type { Delivery, DeliveryReport, Notifier, ServerEvent } from '#domain/notifier.ts';
import { logger } from '#shared/powertools.ts';
import type { ConnectionGateway } from './connection-notifier.ts';
import { postToSubscriptions } from './subscription-push.ts';

/*
 * The supervision side of pushing, one file each: the subscription store (subscription-store.ts) and its cache
 * (subscription-cache.ts), the one push loop to subscriptions (subscription-push.ts), the feed's delivery and publisher
 * (feed-publisher.ts), and here THE notifier's monitoring decorator. Re-exported for the modules importing them here.
 */
export { FeedConnections, FeedPublisher } from './feed-publisher.ts';
export { CachedSubscriptionStore } from './subscription-cache.ts';
export { DynamoSubscriptionStore } from './subscription-store.ts';

/**
 * THE notifier: a decorator around the connection notifier. Whatever is pushed to a user is also mirrored, as
 * `{type:'monitor', agent, event}`, to the connections silently monitoring that user. The delivery report is the
 * inner notifier's alone, and nothing is ever sent to the monitored user about the monitoring. When nobody in the
 * tenant monitors anyone, the cost is one cached lookup.
 */
export class MonitoringNotifier implements Notifier {
  constructor(
    private readonly inner: Notifier,
    private readonly subscriptions: SubscriptionStore,
    private readonly gateway: ConnectionGateway,
  ) {}

  toUser(tenant: string, user: string, event: ServerEvent): Promise<DeliveryReport> {
    return this.toUsers(tenant, [user], event);
  }

  async toUsers(tenant: string, users: readonly string[], event: ServerEvent): Promise<DeliveryReport> {
    const [report] = await Promise.all([
      this.inner.toUsers(tenant, users, event),
      this.mirror(
        tenant,
        users.map((user) => ({ user, event })),
      ),
    ]);
    return report;
  }

  async toEach(tenant: string, deliveries: readonly Delivery[]): Promise<DeliveryReport> {
    const [report] = await Promise.all([this.inner.toEach(tenant, deliveries), this.mirror(tenant, deliveries)]);
    return report;
  }

  async prepareEach(tenant: string, deliveries: readonly Delivery[]): Promise<() => Promise<DeliveryReport>> {
    const send = this.inner.prepareEach
      ? await this.inner.prepareEach(tenant, deliveries)
      : () => this.inner.toEach(tenant, deliveries);
    return async () => {
      const [report] = await Promise.all([send(), this.mirror(tenant, deliveries)]);
      return report;
    };
  }

  private async mirror(tenant: string, deliveries: readonly Delivery[]): Promise<void> {
    try {
      const monitors = await this.subscriptions.monitors(tenant);
      if (monitors.length === 0) return;
      const byAgent = new Map<string, Subscription[]>();
      for (const sub of monitors) if (sub.agent) byAgent.set(sub.agent, [...(byAgent.get(sub.agent) ?? []), sub]);
      await Promise.all(
        deliveries
          // Mirrors are never mirrored again (a monitored supervisor would otherwise echo other agents' feeds).
          .filter((d) => d.event.type !== 'monitor' && byAgent.has(d.user))
          .map((d) =>
            postToSubscriptions(this.gateway, this.subscriptions, byAgent.get(d.user) ?? [], {
              type: 'monitor',
              agent: d.user,
              event: d.event,
            }),
          ),
      );
    } catch (error) {
      // Monitoring is best effort: it must never make the agent's own delivery fail.
      logger.warn('Monitor mirror failed', { tenant, error: error as Error });
    }
  }
}
