import type { KinesisStreamRecord } from 'aws-lambda';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { statusFeedConsumer } from '../../functions/adapters/inbound/status-feed-consumer.ts';
import type { Subscription } from '../../functions/domain/monitoring.ts';
import type { Delivery, ServerEvent } from '../../functions/domain/notifier.ts';
import {
  applyFeedFrame,
  deliverFeedBatch,
  type FeedDeliveryPorts,
  type FeedFrame,
  type FeedRecord,
  planFeedDelivery,
} from '../../functions/domain/status-feed.ts';

const TENANTS = ['t1', 't2'];
const AGENTS = ['a0', 'a1', 'a2', 'a3', 'a4'];

/** A change as the stream carries it: `n` is the agent's own change number (1, 2, 3… in commit order). */
function change(tenant: string, agent: string, n: number, padding = 0): FeedRecord {
  return { tenant, agent, event: { type: 'status', agent, status: `s${n}`, n, version: n, note: 'x'.repeat(padding) } };
}

/**
 * Any interleaving of the changes of several agents of several tenants, cut into consumer batches anywhere, and
 * frames cut anywhere by size: what a console applies, frame after frame.
 */
const scenario = fc.record({
  picks: fc.array(fc.record({ t: fc.nat(TENANTS.length - 1), a: fc.nat(AGENTS.length - 1), pad: fc.nat(300) }), {
    minLength: 1,
    maxLength: 300,
  }),
  cuts: fc.array(fc.nat(300), { maxLength: 20 }),
  /** Publish races: two changes committed a moment apart reach the stream in the other order. */
  swaps: fc.array(fc.nat(300), { maxLength: 10 }),
  maxBytes: fc.oneof(fc.constant(96 * 1024), fc.integer({ min: 100, max: 3000 })),
});

function build(picks: Array<{ t: number; a: number; pad: number }>): FeedRecord[] {
  const counters = new Map<string, number>();
  return picks.map(({ t, a, pad }) => {
    const tenant = TENANTS[t] as string;
    const agent = AGENTS[a] as string;
    const key = `${tenant}/${agent}`;
    const n = (counters.get(key) ?? 0) + 1;
    counters.set(key, n);
    return change(tenant, agent, n, pad);
  });
}

function batches<T>(items: readonly T[], cuts: readonly number[]): T[][] {
  const at = [...new Set(cuts.map((c) => c % (items.length + 1)))].sort((x, y) => x - y);
  const out: T[][] = [];
  let from = 0;
  for (const c of [...at, items.length]) {
    if (c > from) out.push(items.slice(from, c));
    from = Math.max(from, c);
  }
  return out;
}

describe('status feed coalescing (property-based)', () => {
  it('any interleaving, batching and frame cutting yields, per agent, every change in order and the last state', () => {
    fc.assert(
      fc.property(scenario, ({ picks, cuts, swaps, maxBytes }) => {
        const committed = build(picks);
        const records = [...committed];
        for (const at of swaps) {
          const i = at % records.length;
          const [x, y] = [records[i], records[i + 1]];
          if (x && y) [records[i], records[i + 1]] = [y, x];
        }
        const raced = swaps.length > 0;
        const applied = new Map<string, number[]>();
        const seen = new Map<string, number[]>();
        const state = new Map<string, Map<string, ServerEvent>>(TENANTS.map((t) => [t, new Map()]));
        const own = new Map<string, number[]>();
        for (const batch of batches(records, cuts)) {
          const plan = planFeedDelivery(batch, maxBytes);
          // One entry per tenant of the batch, each tenant once.
          expect(plan.map((p) => p.tenant)).toEqual([...new Set(batch.map((r) => r.tenant))]);
          for (const { tenant, frames, own: mine } of plan) {
            const tenantRecords = batch.filter((r) => r.tenant === tenant);
            // Coalescing: a whole batch in ONE frame whenever it fits the size limit.
            const bytes = JSON.stringify({ type: 'feed', events: tenantRecords.map((r) => r.event) }).length;
            if (bytes <= maxBytes) expect(frames).toHaveLength(1);
            for (const frame of frames) {
              expect(frame.type).toBe('feed');
              // A frame never exceeds the limit, unless one event alone does (it then travels alone).
              if (frame.events.length > 1)
                expect(Buffer.byteLength(JSON.stringify(frame))).toBeLessThanOrEqual(maxBytes);
              for (const e of applyFeedFrame(state.get(tenant) as Map<string, ServerEvent>, frame)) {
                const key = `${tenant}/${String(e.agent)}`;
                applied.set(key, [...(applied.get(key) ?? []), Number(e.version)]);
              }
              for (const e of frame.events) {
                const key = `${tenant}/${String(e.agent)}`;
                seen.set(key, [...(seen.get(key) ?? []), Number(e.n)]);
              }
            }
            // The agent's own pushes, round after round: an agent at most once per round.
            for (const round of mine) expect(new Set(round.map((d) => d.user)).size).toBe(round.length);
            for (const d of mine.flat())
              own.set(`${tenant}/${d.user}`, [...(own.get(`${tenant}/${d.user}`) ?? []), Number(d.event.n)]);
          }
        }
        for (const tenant of TENANTS)
          for (const agent of AGENTS) {
            const key = `${tenant}/${agent}`;
            const mine = (list: readonly FeedRecord[]) =>
              list.filter((r) => r.tenant === tenant && r.agent === agent).map((r) => Number(r.event.n));
            const sent = mine(records);
            const last = mine(committed).at(-1);
            // Complete, in stream order: exactly the agent's changes as the stream holds them.
            expect(seen.get(key) ?? []).toEqual(sent);
            // The console ends on the last committed state, whatever the batching and the races…
            expect(state.get(tenant)?.get(agent)?.n).toBe(last);
            // …applying newer states only, and without races every change in commit order, 1, 2, 3…
            const steps = applied.get(key) ?? [];
            expect(steps).toEqual([...new Set(steps)].sort((x, y) => x - y));
            if (!raced) expect(steps).toEqual(mine(committed));
            // The agent's own pushes are complete and in stream order too.
            expect(own.get(key) ?? []).toEqual(sent);
          }
      }),
      { numRuns: 300 },
    );
  });
});

/** In-memory ports: what each connection received, in order. */
function fakePorts(subs: Record<string, string[]>, failing: string[] = []) {
  const received = new Map<string, FeedFrame[]>();
  const own: Array<{ tenant: string; deliveries: readonly Delivery[] }> = [];
  const ports: FeedDeliveryPorts = {
    subscribers: async (tenant) => {
      if (failing.includes(tenant)) throw new Error('DynamoDB throttled');
      return (subs[tenant] ?? []).map(
        (connectionId): Subscription => ({ tenant, connectionId, user: 'sup', expiresAt: 9e9 }),
      );
    },
    post: async (list, frames) => {
      for (const frame of frames)
        for (const s of list) received.set(s.connectionId, [...(received.get(s.connectionId) ?? []), frame]);
    },
    toAgents: async (tenant, deliveries) => void own.push({ tenant, deliveries }),
  };
  return { ports, received, own };
}

describe('feed delivery', () => {
  it('posts one frame per subscriber and tenant per batch, whatever the number of changes', async () => {
    const { ports, received, own } = fakePorts({ t1: ['c1', 'c2', 'c3'], t2: ['c4'] });
    const records = [1, 2, 3].flatMap((n) => AGENTS.map((a) => change('t1', a, n)));
    const { frames, failedTenants } = await deliverFeedBatch(ports, [...records, change('t2', 'a0', 1)]);
    // 16 changes, 4 subscribers: 4 posts (the old design made 3 × 15 + 1 = 46).
    expect(frames).toBe(4);
    expect(failedTenants.size).toBe(0);
    for (const c of ['c1', 'c2', 'c3']) expect(received.get(c)?.map((f) => f.events.length)).toEqual([15]);
    expect(received.get('c4')?.[0]?.events).toEqual([change('t2', 'a0', 1).event]);
    // Each agent gets its own statuses in order: three rounds, every agent once in each.
    const rounds = own.filter((o) => o.tenant === 't1').map((o) => o.deliveries.map((d) => `${d.user}:${d.event.n}`));
    expect(rounds).toEqual([1, 2, 3].map((n) => AGENTS.map((a) => `${a}:${n}`)));
  });

  it('a tenant whose subscribers cannot be read fails alone; the consumer retries from its first record', async () => {
    const { ports, received } = fakePorts({ t1: ['c1'], t2: ['c2'] }, ['t2']);
    const data = (value: unknown) =>
      Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64');
    const record = (seq: string, value: unknown) =>
      ({ kinesis: { sequenceNumber: seq, data: data(value) } }) as KinesisStreamRecord;
    const handler = statusFeedConsumer(ports);
    const out = await handler({
      Records: [
        record('1', change('t1', 'a0', 1)),
        record('2', 'not json'),
        record('3', { tenant: 't1', event: { no: 'type' } }),
        record('4', change('t2', 'a0', 1)),
        record('5', change('t1', 'a0', 2)),
        record('6', change('t2', 'a0', 2)),
      ],
    });
    // Malformed records are skipped, never retried; t1 is delivered; t2 is retried from its first record.
    expect(out.batchItemFailures).toEqual([{ itemIdentifier: '4' }]);
    expect(received.get('c1')?.map((f) => f.events.map((e) => e.n))).toEqual([[1, 2]]);
    expect(received.get('c2')).toBeUndefined();
  });

  it("carries a change's origin through the stream: the agent's own push skips that connection only", async () => {
    const { ports, own } = fakePorts({ t1: ['c1'] });
    const handler = statusFeedConsumer(ports);
    const encode = (seq: string, value: unknown) =>
      ({
        kinesis: { sequenceNumber: seq, data: Buffer.from(JSON.stringify(value)).toString('base64') },
      }) as KinesisStreamRecord;
    const out = await handler({
      Records: [
        encode('1', { ...change('t1', 'a0', 1), origin: 'tabA=' }),
        encode('2', change('t1', 'a0', 2)),
        // An origin that is no connection id is a malformed record: skipped, never matched against connections.
        encode('3', { ...change('t1', 'a1', 1), origin: 'x'.repeat(129) }),
      ],
    });
    expect(out.batchItemFailures).toEqual([]);
    expect(own.map((o) => o.deliveries)).toEqual([
      [{ user: 'a0', event: change('t1', 'a0', 1).event, exceptConnection: 'tabA=' }],
      [{ user: 'a0', event: change('t1', 'a0', 2).event }],
    ]);
  });

  it('is paced: a run lasts at least its minimum, so frames per subscriber per second are bounded', async () => {
    const { ports, received } = fakePorts({ t1: ['c1'] }, []);
    const record = (seq: string, value: unknown) =>
      ({
        kinesis: { sequenceNumber: seq, data: Buffer.from(JSON.stringify(value)).toString('base64') },
      }) as KinesisStreamRecord;
    const handler = statusFeedConsumer(ports, { minRunMs: 120 });
    const started = performance.now();
    await handler({ Records: [record('1', change('t1', 'a0', 1))] });
    await handler({ Records: [record('2', change('t1', 'a0', 2))] });
    // Two runs back to back take at least two paces, and each still delivered its frame.
    expect(performance.now() - started).toBeGreaterThanOrEqual(2 * 120 - 2);
    expect(received.get('c1')?.map((f) => f.events.map((e) => e.n))).toEqual([[1], [2]]);
  });
});
