import { DeleteCommand, type DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { Clock } from '#domain/clock.ts';
import { epochSeconds } from '#domain/clock.ts';
import type { Subscription, SubscriptionStore } from '#domain/monitoring.ts';
import type { Delivery, DeliveryReport, Notifier, ServerEvent } from '#domain/notifier.ts';
import type { FeedDeliveryPorts, FeedFrame } from '#domain/status-feed.ts';
import type { StatusFeed } from '#domain/status-ports.ts';
import { logger } from '#shared/powertools.ts';
import { type ConnectionGateway, pushToConnections } from './connection-notifier.ts';
import { batchWriteAll, type Item, queryAll } from './dynamo.ts';

/**
 * Subscriptions of supervisors' connections:
 *   T#<t>#MON#FEED     C#<connectionId>               the tenant status feed
 *   T#<t>#MON#AGENTS   A#<agent>#C#<connectionId>     silent monitors (one partition per tenant: one Query tells
 *                                                     which agents are watched at all)
 * Both carry `ttl` = the connection's longest possible life.
 */
const feedPk = (tenant: string) => `T#${tenant}#MON#FEED`;
const monitorsPk = (tenant: string) => `T#${tenant}#MON#AGENTS`;

function toSub(item: Item): Subscription {
  return {
    tenant: String(item.tenant),
    connectionId: String(item.connectionId),
    user: String(item.user),
    ...(item.agent ? { agent: String(item.agent) } : {}),
    expiresAt: Number(item.ttl),
  };
}

export class DynamoSubscriptionStore implements SubscriptionStore {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly table: string,
    private readonly clock: Clock,
  ) {}

  async addFeed(sub: Subscription): Promise<void> {
    await this.client.send(
      new PutCommand({
        TableName: this.table,
        Item: { pk: feedPk(sub.tenant), sk: `C#${sub.connectionId}`, kind: 'status-feed', ...sub, ttl: sub.expiresAt },
      }),
    );
  }

  async removeFeed(tenant: string, connectionId: string): Promise<void> {
    await this.client.send(
      new DeleteCommand({ TableName: this.table, Key: { pk: feedPk(tenant), sk: `C#${connectionId}` } }),
    );
  }

  async feed(tenant: string): Promise<Subscription[]> {
    // Strongly consistent (monitors too): the feed consumer reads them per batch, and a connection that subscribed
    // (then read its snapshot) must get every change committed after that.
    return this.live(feedPk(tenant), true);
  }

  async addMonitor(sub: Subscription & { readonly agent: string }): Promise<void> {
    await this.client.send(
      new PutCommand({
        TableName: this.table,
        Item: {
          pk: monitorsPk(sub.tenant),
          sk: `A#${sub.agent}#C#${sub.connectionId}`,
          kind: 'monitor',
          ...sub,
          ttl: sub.expiresAt,
        },
      }),
    );
  }

  async removeMonitor(tenant: string, agent: string, connectionId: string): Promise<void> {
    await this.client.send(
      new DeleteCommand({ TableName: this.table, Key: { pk: monitorsPk(tenant), sk: `A#${agent}#C#${connectionId}` } }),
    );
  }

  async monitors(tenant: string): Promise<Subscription[]> {
    return this.live(monitorsPk(tenant), true);
  }

  async removeConnection(tenant: string, connectionId: string): Promise<void> {
    const { items } = await queryAll(this.client, {
      TableName: this.table,
      KeyConditionExpression: 'pk = :pk',
      FilterExpression: 'connectionId = :c',
      ExpressionAttributeValues: { ':pk': monitorsPk(tenant), ':c': connectionId },
    });
    await batchWriteAll(this.client, this.table, [
      { DeleteRequest: { Key: { pk: feedPk(tenant), sk: `C#${connectionId}` } } },
      ...items.map((i) => ({ DeleteRequest: { Key: { pk: i.pk, sk: i.sk } } })),
    ]);
  }

  private async live(pk: string, consistent = false): Promise<Subscription[]> {
    const { items } = await queryAll(this.client, {
      TableName: this.table,
      ...(consistent ? { ConsistentRead: true } : {}),
      KeyConditionExpression: 'pk = :pk',
      // DynamoDB deletes expired items lazily: a subscription past its connection's life is ignored.
      FilterExpression: '#ttl > :now',
      ExpressionAttributeNames: { '#ttl': 'ttl' },
      ExpressionAttributeValues: { ':pk': pk, ':now': epochSeconds(this.clock.now()) },
    });
    return items.map(toSub);
  }
}

/**
 * Caches a tenant's feed and monitor sets for a few seconds per execution environment, so that a busy tenant pays
 * one Query per few seconds instead of one per push. Changes made through this instance take effect at once; other
 * environments see a new subscription within `ttlMs` (the subscribe reply carries a snapshot meanwhile).
 */
export class CachedSubscriptionStore implements SubscriptionStore {
  private readonly feeds = new Map<string, { at: number; subs: Promise<Subscription[]> }>();
  private readonly mons = new Map<string, { at: number; subs: Promise<Subscription[]> }>();

  constructor(
    private readonly inner: SubscriptionStore,
    private readonly clock: Clock,
    private readonly ttlMs = 5_000,
  ) {}

  private async read(cache: typeof this.feeds, tenant: string, load: () => Promise<Subscription[]>) {
    const hit = cache.get(tenant);
    let subs: Promise<Subscription[]>;
    if (hit && this.clock.now() - hit.at < this.ttlMs) subs = hit.subs;
    else {
      subs = load();
      subs.catch(() => cache.delete(tenant));
      if (cache.size > 1_000) cache.clear();
      cache.set(tenant, { at: this.clock.now(), subs });
    }
    // A cached set may hold subscriptions that expired since it was read (a token's `exp`): never push to those.
    const now = epochSeconds(this.clock.now());
    return (await subs).filter((s) => s.expiresAt > now);
  }

  feed(tenant: string) {
    return this.read(this.feeds, tenant, () => this.inner.feed(tenant));
  }
  monitors(tenant: string) {
    return this.read(this.mons, tenant, () => this.inner.monitors(tenant));
  }
  async addFeed(sub: Subscription) {
    await this.inner.addFeed(sub);
    this.feeds.delete(sub.tenant);
  }
  async removeFeed(tenant: string, connectionId: string) {
    await this.inner.removeFeed(tenant, connectionId);
    this.feeds.delete(tenant);
  }
  async addMonitor(sub: Subscription & { readonly agent: string }) {
    await this.inner.addMonitor(sub);
    this.mons.delete(sub.tenant);
  }
  async removeMonitor(tenant: string, agent: string, connectionId: string) {
    await this.inner.removeMonitor(tenant, agent, connectionId);
    this.mons.delete(tenant);
  }
  async removeConnection(tenant: string, connectionId: string) {
    await this.inner.removeConnection(tenant, connectionId);
    this.feeds.delete(tenant);
    this.mons.delete(tenant);
  }
}

/** Posts one frame to subscription connections; a 410 removes that connection's subscriptions (and only those). */
async function postToSubscriptions(
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
