import type { Clock } from '#domain/clock.ts';
import { epochSeconds } from '#domain/clock.ts';
import type { Subscription, SubscriptionStore } from '#domain/monitoring.ts';

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
