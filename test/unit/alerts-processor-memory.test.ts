import { describe, expect, it } from 'vitest';
import {
  type AgentMemory,
  evaluateAgent,
  type ProcessorDeps,
  prepareBatch,
  StateContendedError,
} from '../../functions/domain/alerts/processor.ts';
import { emptyState } from '../../functions/domain/alerts/rules.ts';
import { type TelemetryRecord, telemetryRecordSchema } from '../../functions/domain/alerts/schemas.ts';
import { alertHarness } from '../support/alerts-memory.ts';
import { statsFor, telemetryRecord } from '../support/telemetry.ts';

const T0 = Date.parse('2026-03-02T10:00:00Z');
const key = (tenant: string, agent: string) => `${tenant}\u0000${agent}`;
const record = (from: number, seconds: number, lossPercent = 20): TelemetryRecord =>
  telemetryRecordSchema.parse(
    telemetryRecord('acme', 'alice', { contactId: 'c-1', stats: statsFor(from, seconds, { lossPercent }) }),
  );
const batch = new Map([['acme', ['alice']]]);

/** Runs one batch of alice's records through `deps` (one environment) as the consumer does. */
async function run(deps: ProcessorDeps, records: TelemetryRecord[]) {
  const ctx = await prepareBatch(deps, batch);
  await evaluateAgent(deps, ctx, records).commit?.();
}

describe("the processor's memory across execution environments", () => {
  it('reloads an agent whose stored state moved on since its memory, with empty evidence windows', async () => {
    const h = alertHarness();
    h.statuses.set('acme', 'alice', 'available');
    const other = { ...h.deps, memory: new Map<string, AgentMemory>() };
    await run(h.deps, [record(T0, 8)]); // breach starts (version 1)
    await run(other, [record(T0 + 8000, 4)]); // no transition: the stored state stays at version 1
    const mine = h.deps.memory.get(key('acme', 'alice'));
    expect(mine?.state.version).toBe(1);
    expect(mine?.windows.poorNetwork).toHaveLength(8);

    // At the stored version: kept, windows and all.
    await prepareBatch(h.deps, batch);
    expect(h.deps.memory.get(key('acme', 'alice'))).toBe(mine);

    // The other environment fires the breach (version 2): this memory is behind and is replaced.
    await run(other, [record(T0 + 12_000, 4)]);
    expect(h.states.version('acme', 'alice')).toBe(2);
    await prepareBatch(h.deps, batch);
    const reloaded = h.deps.memory.get(key('acme', 'alice'));
    expect(reloaded).not.toBe(mine);
    expect(reloaded?.state).toMatchObject({ version: 2, breaches: { poorNetwork: { since: T0, fired: true } } });
    expect(reloaded?.windows).toEqual({});

    // Its next samples continue the fired breach: no second alert, no second push.
    await run(h.deps, [record(T0 + 16_000, 4)]);
    expect(h.alerts.all()).toHaveLength(1);
    expect(h.notifier.pushes).toHaveLength(1);
  });

  it('replaces a memory ahead of the stored state (the state expired or was deleted) with the stored one', async () => {
    const h = alertHarness();
    h.statuses.set('acme', 'alice', 'available');
    h.deps.memory.set(key('acme', 'alice'), { state: { ...emptyState(), contactId: 'c-1', version: 3 }, windows: {} });
    await prepareBatch(h.deps, batch);
    expect(h.deps.memory.get(key('acme', 'alice'))?.state).toEqual(emptyState());
  });

  it('raises nothing and pushes nothing from memory whose state moved on between the read and the raise', async () => {
    const h = alertHarness();
    h.statuses.set('acme', 'alice', 'available');
    await run(h.deps, [record(T0, 8)]); // breach starts (version 1)
    const ctx = await prepareBatch(h.deps, batch);
    const step = evaluateAgent(h.deps, ctx, [record(T0 + 8000, 8)]);
    // Another environment saves the agent's state after this one read it (Lambda never runs two batches of one
    // shard at once; this is the guard behind that).
    await run({ ...h.deps, memory: new Map() }, [record(T0 + 8000, 2, 0)]);

    await expect(step.commit?.()).rejects.toBeInstanceOf(StateContendedError);
    expect(h.alerts.all()).toEqual([]);
    expect(h.notifier.pushes).toEqual([]);
    expect(h.deps.memory.has(key('acme', 'alice'))).toBe(false);
  });
});
