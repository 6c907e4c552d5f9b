import type { Subscription, SubscriptionStore } from '#domain/monitoring.ts';
import type { Delivery, Notifier, ServerEvent } from '#domain/notifier.ts';
import type { FeedDeliveryPorts, FeedFrame } from '#domain/status-feed.ts';
import type { StatusFeed } from '#domain/status-ports.ts';
import { logger } from '#shared/powertools.ts';
import type { ConnectionGateway } from './connection-notifier.ts';
import { postToSubscriptions } from './subscription-push.ts';

/**
 * The delivery side of the status feed stream (`deliverFeedBatch`): subscriptions read fresh from the table (never
 * from a cache: a new subscriber must get the very next batch), frames posted in order to each connection, and the
 * agents' own events pushed through THE notifier (so monitors see them too).
 */
export class FeedConnections implements FeedDeliveryPorts {
  constructor(
    private readonly subscriptions: SubscriptionStore,
    private readonly gateway: ConnectionGateway,
    private readonly notifier: Notifier,
  ) {}

  subscribers(tenant: string): Promise<Subscription[]> {
    return this.subscriptions.feed(tenant);
  }

  async post(subs: readonly Subscription[], frames: readonly FeedFrame[]): Promise<void> {
    // Frame by frame (almost always one): each connection gets them in order, connections side by side.
    for (const frame of frames) await postToSubscriptions(this.gateway, this.subscriptions, subs, frame);
  }

  async toAgents(tenant: string, deliveries: readonly Delivery[]): Promise<void> {
    await this.notifier.toEach(tenant, deliveries);
  }

  warn(message: string, details: Record<string, unknown>): void {
    logger.warn(message, details);
  }
}

/**
 * Pushes straight to the feed subscribers, inside the caller's request: what reports and alerts use (one event per
 * request, at human pace). Status changes and agent events go through the feed stream instead (FeedConnections).
 */
export class FeedPublisher implements StatusFeed {
  constructor(
    private readonly subscriptions: SubscriptionStore,
    private readonly gateway: ConnectionGateway,
  ) {}

  async publish(tenant: string, event: ServerEvent): Promise<void> {
    const subs = await this.subscriptions.feed(tenant);
    if (subs.length > 0) await postToSubscriptions(this.gateway, this.subscriptions, subs, event);
  }
}
