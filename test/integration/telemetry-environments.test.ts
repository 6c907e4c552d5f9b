import type { Context } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AgentStatsCounters } from '../../functions/adapters/agent-stats-repository.ts';
import { DynamoAlertStore } from '../../functions/adapters/alert-repository.ts';
import { telemetryConsumer } from '../../functions/adapters/inbound/telemetry-consumer.ts';
import { DynamoStatusStore } from '../../functions/adapters/status-store.ts';
import { DynamoTelemetryStateStore } from '../../functions/adapters/telemetry-state-repository.ts';
import type { AgentMemory, ProcessorDeps } from '../../functions/domain/alerts/processor.ts';
import { DEFAULT_SETTINGS } from '../../functions/domain/settings.ts';
import { ManualClock, RecordingFeed, RecordingNotifier } from '../support/alerts-memory.ts';
import { startTestDynamo, type TestDynamo } from '../support/dynalite.ts';
import { kinesisEvent, kinesisRecord, statsFor, telemetryRecord } from '../support/telemetry.ts';

/**
 * The telemetry consumer as Lambda runs it: the successive batches of one shard handled by whichever of two execution
 * environments is free (each with its own module memory), against DynamoDB (dynalite) through the real adapters.
 */

const T0 = Date.parse('2026-03-02T10:00:00Z');
const context = {} as Context;
const clock = new ManualClock(T0 + 3_600_000);
let db: TestDynamo;

beforeAll(async () => {
  db = await startTestDynamo();
});
afterAll(async () => {
  await db?.close();
});

/** One execution environment: the same table and pushes, its own memory. */
function environment(notifier: RecordingNotifier, feed: RecordingFeed) {
  const deps: ProcessorDeps = {
    alerts: new DynamoAlertStore(
      db.client,
      db.table,
      clock,
      new AgentStatsCounters(db.table, async () => 'UTC', clock),
    ),
    states: new DynamoTelemetryStateStore(db.client, db.table, clock),
    connect: { isBound: async () => true },
    settings: { get: async () => DEFAULT_SETTINGS },
    clock,
    memory: new Map<string, AgentMemory>(),
    notifier,
    feed,
  };
  return telemetryConsumer(deps);
}

describe('telemetry consumer in two execution environments (dynalite)', () => {
  it('raises one alert per breach and pushes it once, whichever environment gets which batch', async () => {
    const tenant = 'envs';
    const agents = ['ann', 'ben', 'cy'];
    const statuses = new DynamoStatusStore(db.client, db.table, clock);
    for (const agent of agents)
      await statuses.commit(
        {
          tenant,
          agent,
          status: 'in-call',
          since: new Date(T0 - 60_000).toISOString(),
          source: 'connect',
          contacts: 1,
          currentContact: { contactId: `c-${agent}`, channel: 'VOICE', state: 'CONNECTED' },
          queues: [],
          version: 1,
          sessionStart: new Date(T0 - 3_600_000).toISOString(),
        },
        0,
      );
    const notifier = new RecordingNotifier();
    const feed = new RecordingFeed();
    const envs = [environment(notifier, feed), environment(notifier, feed)];
    // A degrading call, 8 s per batch: the first breach (0–24 s) fires in batch 1 at 15 s, the call recovers in
    // batch 3, the second breach (from 40 s) fires in batch 6 at 55 s and adds its evidence to the same alert. The
    // environment getting batch 2 last saw the breach unfired (batch 0): from that memory it would fire again at 16 s.
    const seconds = (batch: number) => ({ from: T0 + batch * 8000, bad: batch <= 2 || batch >= 5 });
    const failures: string[] = [];
    for (let batch = 0; batch < 9; batch++) {
      const { from, bad } = seconds(batch);
      const records = agents.map((agent) =>
        kinesisRecord(
          telemetryRecord(tenant, agent, { stats: statsFor(from, 8, bad ? { lossPercent: 20 } : {}) }, from),
          `${tenant}#${agent}`,
        ),
      );
      // Alternating environments: each one's memory is two batches old when it gets the next.
      const handler = envs[batch % 2];
      if (!handler) throw new Error('no environment');
      const res = await handler(kinesisEvent(records), context);
      failures.push(...res.batchItemFailures.map((f) => f.itemIdentifier));
    }

    for (const agent of agents) {
      const alerts = await new DynamoAlertStore(db.client, db.table, clock).listForAgent(
        tenant,
        agent,
        new Date(T0 - 60_000).toISOString(),
      );
      expect(alerts.map((a) => [a.id, a.breaches])).toEqual([[`${T0 + 15_000}.poorNetwork.c-${agent}`, 2]]);
      // Pushed once per breach: the raise and the second breach's evidence.
      expect(notifier.pushes.filter((p) => p.user === agent).map((p) => p.event.type)).toEqual(['alert', 'alert']);
    }
    expect(feed.events).toHaveLength(2 * agents.length);
    // Nothing failed on a version either: no environment acted on stale memory (the raise's guard is the backstop).
    expect(failures).toEqual([]);
  });
});
