import type { Context } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import type { TelemetryBatchStats } from '../../functions/adapters/inbound/telemetry-consumer.ts';
import { telemetryConsumer } from '../../functions/adapters/inbound/telemetry-consumer.ts';
import { DEFAULT_SETTINGS } from '../../functions/domain/settings.ts';
import { type AlertHarness, alertHarness } from '../support/alerts-memory.ts';
import { kinesisEvent, kinesisRecord, statsFor, telemetryRecord } from '../support/telemetry.ts';

const context = {} as Context;
const T0 = Date.parse('2026-03-02T10:00:00Z');
/** 16 s of ≈ 20 % loss: MOS ≈ 2.9, a full poor-network breach with the default 15 s. */
const degraded = (from = T0, seconds = 16) => statsFor(from, seconds, { lossPercent: 20 });

function consumer(h: AlertHarness) {
  const batches: TelemetryBatchStats[] = [];
  const handler = telemetryConsumer(h.deps, (s) => batches.push(s));
  return { batches, run: (records: unknown[]) => handler(kinesisEvent(records.map((r) => kinesisRecord(r))), context) };
}

describe('telemetry consumer (Kinesis-shaped batches, in-memory ports)', () => {
  it('raises one poor-network alert with evidence for an agent in a call, pushed to the agent and the feed', async () => {
    const h = alertHarness();
    h.bound.add('acme');
    h.statuses.set('acme', 'alice', 'in-call', { id: 'c-1', state: 'CONNECTED' });
    const { run } = consumer(h);

    const res = await run([telemetryRecord('acme', 'alice', { stats: degraded() })]);

    expect(res.batchItemFailures).toEqual([]);
    const [alert, ...more] = h.alerts.all();
    expect(more).toEqual([]);
    expect(alert).toMatchObject({
      tenant: 'acme',
      agent: 'alice',
      rule: 'poorNetwork',
      contactId: 'c-1',
      team: 'blue',
      state: 'active',
      raisedAt: new Date(T0 + 15_000).toISOString(),
      threshold: { metric: 'mos', operator: '<', value: 3.5, seconds: 15 },
    });
    expect(alert?.evidence).toHaveLength(16);
    expect(alert?.evidence[0]).toMatchObject({ at: new Date(T0).toISOString(), lossPercent: expect.any(Number) });
    expect(Number(alert?.evidence[0]?.mos)).toBeLessThan(3.5);
    // 90 days of retention by default.
    expect(alert?.expiresAt).toBe(Math.floor(h.clock.ms / 1000) + 90 * 86_400);
    expect(h.notifier.pushes).toMatchObject([
      {
        tenant: 'acme',
        user: 'alice',
        event: { type: 'alert', alert: { rule: 'poorNetwork', selfHelp: { title: expect.any(String) } } },
      },
    ]);
    expect(h.feed.events).toMatchObject([{ tenant: 'acme', event: { type: 'alert', agent: 'alice' } }]);
  });

  it.each([
    ['after-contact work', 'wrap-up', { id: 'c-1', state: 'ENDED' }],
    ['ringing', 'ringing', { id: 'c-1', state: 'CONNECTING' }],
    ['idle', 'idle', undefined],
  ] as const)('raises nothing in %s, whatever contact the client claims', async (_label, status, contact) => {
    const h = alertHarness();
    h.bound.add('acme');
    h.statuses.set('acme', 'alice', status, contact);
    const { run, batches } = consumer(h);

    await run([telemetryRecord('acme', 'alice', { contactId: 'c-1', stats: degraded() })]);

    expect(h.alerts.all()).toEqual([]);
    expect(h.notifier.pushes).toEqual([]);
    expect(batches[0]).toEqual({ gated: 1 });
  });

  it('without a Connect instance, trusts the client contact id while the agent has a session', async () => {
    const h = alertHarness();
    h.statuses.set('solo', 'alice', 'available');
    h.statuses.set('solo', 'bob', 'offline');
    const { run } = consumer(h);

    await run([
      telemetryRecord('solo', 'alice', { contactId: 'c-7', stats: degraded() }),
      telemetryRecord('solo', 'bob', { contactId: 'c-8', stats: degraded() }),
    ]);

    expect(h.alerts.all().map((a) => [a.agent, a.contactId])).toEqual([['alice', 'c-7']]);
  });

  it('with the messenger switched off, raises and pushes nothing and reads nothing but the settings', async () => {
    const h = alertHarness();
    h.settings.set('acme', { ...DEFAULT_SETTINGS, alerts: { ...DEFAULT_SETTINGS.alerts, enabled: false } });
    h.statuses.set('acme', 'alice', 'available');
    const { run, batches } = consumer(h);

    await run([telemetryRecord('acme', 'alice', { contactId: 'c-1', stats: degraded() })]);

    expect(h.alerts.all()).toEqual([]);
    expect(h.notifier.pushes).toEqual([]);
    expect(h.deps.memory.size).toBe(0);
    expect(batches[0]).toEqual({ disabled: 1 });
  });

  it('reports a malformed record and processes the rest of the batch', async () => {
    const h = alertHarness();
    h.statuses.set('acme', 'alice', 'available');
    h.statuses.set('acme', 'bob', 'available');
    const { run, batches } = consumer(h);

    const res = await run([
      telemetryRecord('acme', 'alice', { contactId: 'c-1', stats: degraded(T0, 10) }),
      'not json at all',
      { v: 1, tenant: 'acme', agent: 'mallory', receivedAt: T0, n: [T0, 1, 2], s: [], m: [] },
      telemetryRecord('acme', 'alice', { contactId: 'c-1', stats: degraded(T0 + 10_000, 6) }),
      telemetryRecord('acme', 'bob', { contactId: 'c-2', stats: degraded() }),
    ]);

    expect(res.batchItemFailures).toEqual([]);
    expect(batches[0]).toMatchObject({ malformed: 2, raised: 2 });
    expect(
      h.alerts
        .all()
        .map((a) => a.agent)
        .sort(),
    ).toEqual(['alice', 'bob']);
  });

  it('keeps tenants apart: same agent id, separate breach state, alerts and pushes', async () => {
    const h = alertHarness();
    h.statuses.set('acme', 'alice', 'available');
    h.statuses.set('globex', 'alice', 'available');
    const { run } = consumer(h);

    // acme's alice breaches for 10 s, globex's alice for 6 s: neither alone reaches 15 s.
    await run([
      telemetryRecord('acme', 'alice', { contactId: 'c-1', stats: degraded(T0, 10) }),
      telemetryRecord('globex', 'alice', { contactId: 'c-1', stats: degraded(T0 + 10_000, 6) }),
    ]);
    expect(h.alerts.all()).toEqual([]);

    await run([telemetryRecord('globex', 'alice', { contactId: 'c-1', stats: degraded(T0 + 16_000, 10) })]);
    const alerts = h.alerts.all();
    expect(alerts.map((a) => a.tenant)).toEqual(['globex']);
    expect(h.notifier.pushes.map((p) => p.tenant)).toEqual(['globex']);
    expect(h.feed.events.map((e) => e.tenant)).toEqual(['globex']);
  });

  it('raises once when a batch is delivered twice or its samples arrive late', async () => {
    const h = alertHarness();
    h.statuses.set('acme', 'alice', 'available');
    const { run } = consumer(h);
    const record = telemetryRecord('acme', 'alice', { contactId: 'c-1', stats: degraded() });

    await run([record, record]);
    await run([record, telemetryRecord('acme', 'alice', { contactId: 'c-1', stats: degraded(T0 - 5000, 5) })]);
    // A fresh processor (another execution environment) reads the persisted state and raises nothing either.
    h.deps.memory.clear();
    await run([record]);

    expect(h.alerts.all()).toHaveLength(1);
    expect(h.notifier.pushes).toHaveLength(1);
  });

  it('persists breach state only on transitions and continues a breach across batches and environments', async () => {
    const h = alertHarness();
    h.statuses.set('acme', 'alice', 'available');
    const { run } = consumer(h);

    await run([telemetryRecord('acme', 'alice', { contactId: 'c-1', stats: statsFor(T0, 5) })]); // contact starts
    await run([telemetryRecord('acme', 'alice', { contactId: 'c-1', stats: degraded(T0 + 5000, 8) })]); // breach starts
    const saves = h.states.saves;
    expect(saves).toBe(2);
    // Another environment takes over mid-breach: it knows when the breach began.
    h.deps.memory.clear();
    await run([telemetryRecord('acme', 'alice', { contactId: 'c-1', stats: degraded(T0 + 13_000, 8) })]);

    expect(h.alerts.all()).toMatchObject([{ raisedAt: new Date(T0 + 20_000).toISOString() }]);
    expect(h.states.saves).toBe(saves + 1);
  });

  it('fails a record on a transient error, and every later one, so the retry replays them in order', async () => {
    const h = alertHarness();
    h.statuses.set('acme', 'alice', 'available');
    h.alerts.failNext = true;
    const records = [
      kinesisRecord(telemetryRecord('acme', 'alice', { contactId: 'c-1', stats: degraded() })),
      kinesisRecord(telemetryRecord('acme', 'alice', { contactId: 'c-1', stats: statsFor(T0 + 16_000, 2) })),
    ];
    const handler = telemetryConsumer(h.deps);

    const first = await handler(kinesisEvent(records), context);
    expect(first.batchItemFailures.map((f) => f.itemIdentifier)).toEqual(records.map((r) => r.kinesis.sequenceNumber));
    const retried = await handler(kinesisEvent(records), context);

    expect(retried.batchItemFailures).toEqual([]);
    expect(h.alerts.all()).toHaveLength(1);
  });

  it("fails only the failing agent's records; the other agents' records of the batch succeed and are not raised twice on the retry", async () => {
    const h = alertHarness();
    h.statuses.set('acme', 'alice', 'available');
    h.statuses.set('acme', 'bob', 'available');
    // alice's group commits first, so her raise is the one that fails.
    h.alerts.failNext = true;
    const alice1 = kinesisRecord(telemetryRecord('acme', 'alice', { contactId: 'c-1', stats: degraded() }));
    const bob = kinesisRecord(telemetryRecord('acme', 'bob', { contactId: 'c-2', stats: degraded() }));
    const alice2 = kinesisRecord(
      telemetryRecord('acme', 'alice', { contactId: 'c-1', stats: statsFor(T0 + 16_000, 2) }),
    );
    const batch = kinesisEvent([alice1, bob, alice2]);
    const handler = telemetryConsumer(h.deps);

    const first = await handler(batch, context);
    expect(first.batchItemFailures.map((f) => f.itemIdentifier)).toEqual([
      alice1.kinesis.sequenceNumber,
      alice2.kinesis.sequenceNumber,
    ]);
    expect(h.alerts.all().map((a) => a.agent)).toEqual(['bob']);

    // Lambda redelivers from the lowest failed sequence number: bob's record comes again.
    const retried = await handler(batch, context);
    expect(retried.batchItemFailures).toEqual([]);
    expect(
      h.alerts
        .all()
        .map((a) => a.agent)
        .sort(),
    ).toEqual(['alice', 'bob']);
    expect(h.notifier.pushes.map((p) => p.user).sort()).toEqual(['alice', 'bob']);
  });

  it('reports every record of a batch whose shared reads fail, without throwing', async () => {
    const h = alertHarness();
    h.statuses.set('acme', 'alice', 'available');
    const records = [
      kinesisRecord(telemetryRecord('acme', 'alice', { contactId: 'c-1', stats: degraded() })),
      kinesisRecord('malformed'),
    ];
    const handler = telemetryConsumer({
      ...h.deps,
      settings: {
        get: async () => {
          throw new Error('ThrottlingException (simulated)');
        },
      },
    });

    const res = await handler(kinesisEvent(records), context);

    // The malformed record is skipped (never retried); the good one is retried.
    expect(res.batchItemFailures.map((f) => f.itemIdentifier)).toEqual([records[0]?.kinesis.sequenceNumber]);
    expect(h.alerts.all()).toEqual([]);
  });

  it('retries a record whose state another processor moved on, without a second alert', async () => {
    const h = alertHarness();
    h.statuses.set('acme', 'alice', 'available');
    const handler = telemetryConsumer(h.deps);
    const record = kinesisRecord(telemetryRecord('acme', 'alice', { contactId: 'c-1', stats: degraded() }));
    h.states.conflictNext = true;

    const first = await handler(kinesisEvent([record]), context);
    const second = await handler(kinesisEvent([record]), context);

    expect(first.batchItemFailures).toHaveLength(1);
    expect(second.batchItemFailures).toEqual([]);
    expect(h.alerts.all()).toHaveLength(1);
  });

  it('counts a later breach of the contact once, even when the batch that completed it is retried', async () => {
    const h = alertHarness();
    h.statuses.set('acme', 'alice', 'available');
    const handler = telemetryConsumer(h.deps);
    const record = (stats: unknown) => kinesisRecord(telemetryRecord('acme', 'alice', { contactId: 'c-1', stats }));
    await handler(kinesisEvent([record(degraded()), record(statsFor(T0 + 16_000, 5))]), context);
    const second = record(degraded(T0 + 21_000));
    // The evidence is written, then the state save loses to another processor: the record is retried.
    h.states.conflictNext = true;

    const first = await handler(kinesisEvent([second]), context);
    h.deps.memory.clear();
    const retried = await handler(kinesisEvent([second]), context);

    expect(first.batchItemFailures).toHaveLength(1);
    expect(retried.batchItemFailures).toEqual([]);
    expect(h.alerts.all()).toMatchObject([{ breaches: 2, latestBreachStartedAt: new Date(T0 + 21_000).toISOString() }]);
    // One push for the raise, one for the second breach: the replay pushes nothing.
    expect(h.notifier.pushes).toHaveLength(2);
  });
});
