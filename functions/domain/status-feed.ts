import type { Subscription } from './monitoring.ts';
import type { Delivery, ServerEvent } from './notifier.ts';

/**
 * The tenant status feed at floor scale. A status change is committed and answered; its event goes onto a stream of
 * feed records (partitioned by tenant, so a tenant's records keep their order), and a consumer delivers whatever
 * accumulated since its last run as ONE `feed` frame per subscribed connection. Posts per second are then bounded by
 * subscribers × consumer runs per second, whatever the change rate.
 */

/** One record of the feed stream: an event for the tenant's feed subscribers (and, optionally, the agent itself). */
export interface FeedRecord {
  readonly tenant: string;
  readonly event: ServerEvent;
  /**
   * Set when the event is also the agent's own (a status change): the agent's connections — its other tabs — and the
   * supervisors silently monitoring it get it too, each event in order (a widget may show "ringing" before "in call").
   */
  readonly agent?: string;
  /**
   * The connection the change came from (an agent's `setStatus`): it has the change on its reply, so the agent's own
   * push skips it — its other connections still get the event.
   */
  readonly origin?: string;
}

/** The frame subscribers receive: the tenant's events of one batch, oldest first; clients apply them in order. */
export interface FeedFrame extends ServerEvent {
  readonly type: 'feed';
  readonly events: readonly ServerEvent[];
}

/**
 * API Gateway takes messages up to 128 KB per `PostToConnection`; a frame stays well below so that the envelope and
 * multi-byte characters never tip it over. A larger batch becomes several frames, in order.
 */
export const MAX_FEED_FRAME_BYTES = 96 * 1024;

export interface TenantDelivery {
  readonly tenant: string;
  /** The frames every feed subscriber of the tenant receives, in this order. */
  readonly frames: readonly FeedFrame[];
  /**
   * The agents' own events in rounds: round k holds the k-th event of every agent that has one. Rounds go one after
   * the other, so each agent gets its events in order while different agents are pushed side by side.
   */
  readonly own: readonly (readonly Delivery[])[];
}

/**
 * Groups a batch of feed records by tenant (first appearance order), keeping every tenant's records in stream order,
 * and cuts each tenant's events into as few frames as fit `maxBytes` (an event larger than that travels alone).
 */
export function planFeedDelivery(
  records: readonly FeedRecord[],
  maxBytes: number = MAX_FEED_FRAME_BYTES,
): TenantDelivery[] {
  const byTenant = new Map<string, { events: ServerEvent[]; own: Delivery[][]; count: Map<string, number> }>();
  for (const record of records) {
    let entry = byTenant.get(record.tenant);
    if (!entry) {
      entry = { events: [], own: [], count: new Map() };
      byTenant.set(record.tenant, entry);
    }
    entry.events.push(record.event);
    if (record.agent) {
      const k = entry.count.get(record.agent) ?? 0;
      entry.count.set(record.agent, k + 1);
      let round = entry.own[k];
      if (!round) {
        round = [];
        entry.own.push(round);
      }
      round.push({
        user: record.agent,
        event: record.event,
        ...(record.origin ? { exceptConnection: record.origin } : {}),
      });
    }
  }
  return [...byTenant].map(([tenant, { events, own }]) => ({ tenant, frames: chunkFrames(events, maxBytes), own }));
}

const ENVELOPE_BYTES = Buffer.byteLength(JSON.stringify({ type: 'feed', events: [] }));

function chunkFrames(events: readonly ServerEvent[], maxBytes: number): FeedFrame[] {
  const frames: FeedFrame[] = [];
  let current: ServerEvent[] = [];
  let size = ENVELOPE_BYTES;
  for (const event of events) {
    const bytes = Buffer.byteLength(JSON.stringify(event));
    // + 1: the comma before every event but the first.
    if (current.length > 0 && size + 1 + bytes > maxBytes) {
      frames.push({ type: 'feed', events: current });
      current = [];
      size = ENVELOPE_BYTES;
    }
    size += (current.length > 0 ? 1 : 0) + bytes;
    current.push(event);
  }
  if (current.length > 0) frames.push({ type: 'feed', events: current });
  return frames;
}

/** What delivering a batch needs; adapters implement it on DynamoDB and `@connections`. */
export interface FeedDeliveryPorts {
  /** The tenant's live feed subscriptions, read fresh: a connection that just subscribed must not miss a batch. */
  subscribers(tenant: string): Promise<Subscription[]>;
  /** Posts the frames, in order, to each subscription's connection (connections side by side). */
  post(subscriptions: readonly Subscription[], frames: readonly FeedFrame[]): Promise<void>;
  /** Pushes each agent its own event (and mirrors it to the agent's silent monitors). */
  toAgents(tenant: string, deliveries: readonly Delivery[]): Promise<void>;
  warn?(message: string, details: Record<string, unknown>): void;
}

/**
 * Delivers one batch. Tenants are independent: one tenant's failure to read its subscribers does not stop the others
 * and is reported by tenant, so the stream consumer can retry from that tenant's first record (a retry may repeat
 * frames; clients apply an agent's events in order, so a repeated older event is followed by the newer ones again).
 * Posts are best effort per connection (a failed one is logged by the adapter, a gone one unsubscribed), and so are
 * the agents' own pushes: their state is on their `status-set` reply and in `GET /me/status`.
 */
export async function deliverFeedBatch(
  ports: FeedDeliveryPorts,
  records: readonly FeedRecord[],
): Promise<{ frames: number; failedTenants: Set<string> }> {
  const failedTenants = new Set<string>();
  let frames = 0;
  const own = async (plan: TenantDelivery) => {
    for (const round of plan.own) {
      try {
        await ports.toAgents(plan.tenant, round);
      } catch (error) {
        ports.warn?.('Own status push failed', { tenant: plan.tenant, error: String(error) });
      }
    }
  };
  const feed = async (plan: TenantDelivery) => {
    if (plan.frames.length === 0) return;
    let subs: Subscription[];
    try {
      subs = await ports.subscribers(plan.tenant);
    } catch (error) {
      failedTenants.add(plan.tenant);
      ports.warn?.('Feed subscribers could not be read; the batch is retried', {
        tenant: plan.tenant,
        error: String(error),
      });
      return;
    }
    if (subs.length === 0) return;
    await ports.post(subs, plan.frames);
    frames += plan.frames.length * subs.length;
  };
  await Promise.all(planFeedDelivery(records).map((plan) => Promise.all([own(plan), feed(plan)])));
  return { frames, failedTenants };
}

/**
 * A client's view of the feed (what a console does with `feed` frames): events applied in order, per agent the one
 * with the highest `version` kept — a change published a moment after a newer one of the same agent (two requests
 * racing to the stream) is older news and skipped. Exported for tests and as the contract; consoles do the same.
 * Returns the events applied.
 */
export function applyFeedFrame(state: Map<string, ServerEvent>, frame: FeedFrame): ServerEvent[] {
  const applied: ServerEvent[] = [];
  for (const event of frame.events) {
    if (typeof event.agent !== 'string') continue;
    const held = state.get(event.agent)?.version;
    if (typeof held === 'number' && typeof event.version === 'number' && event.version <= held) continue;
    state.set(event.agent, event);
    applied.push(event);
  }
  return applied;
}
