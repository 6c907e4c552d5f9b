import { describe, expect, it } from 'vitest';
import { ingestTelemetry } from '../../functions/domain/alerts/ingest.ts';
import { type TelemetryRecord, telemetryBodySchema } from '../../functions/domain/alerts/schemas.ts';
import { DEFAULT_SETTINGS } from '../../functions/domain/settings.ts';
import { ManualClock } from '../support/alerts-memory.ts';
import { secondOfStats } from '../support/telemetry.ts';

const NOW = Date.parse('2026-03-02T10:00:05Z');
const T = Date.parse('2026-03-02T10:00:00Z');
const alice = { tenant: 'acme', user: 'alice', role: 'agent' as const };

function setup(enabled = true) {
  const put: TelemetryRecord[] = [];
  const deps = {
    sink: { put: async (r: TelemetryRecord) => void put.push(r) },
    settings: { get: async () => ({ ...DEFAULT_SETTINGS, alerts: { ...DEFAULT_SETTINGS.alerts, enabled } }) },
    clock: new ManualClock(NOW),
  };
  return { put, deps };
}

describe('telemetry ingest', () => {
  it('stamps the verified tenant and agent and writes one compact per-second record', async () => {
    const { put, deps } = setup();
    // A body naming another tenant or agent changes nothing: those fields are not part of the batch.
    const body = telemetryBodySchema.parse({
      tenant: 'globex',
      agent: 'mallory',
      contactId: 'c-1',
      stats: [...secondOfStats(T, { lossPercent: 20, rttMs: 80, jitterMs: 9 }), ...secondOfStats(T + 1000)],
      system: [{ timestamp: T, cpuUsedPercent: 50, memoryTotal: 100, memoryAvailable: 40 }],
    });

    expect(await ingestTelemetry(deps, alice, body)).toEqual({ accepted: 5, dropped: false });
    expect(put).toEqual([
      {
        v: 1,
        tenant: 'acme',
        agent: 'alice',
        receivedAt: NOW,
        contactId: 'c-1',
        // [second, lost, counted (both streams), worse jitter, RTT]
        n: [T, 13, 100, 9, 80, T + 1000, 0, 100, 5, 50],
        s: [T, 50, 100, 40],
        m: [],
      },
    ]);
  });

  it('drops everything when the tenant switched alerts off, before any stream write', async () => {
    const { put, deps } = setup(false);
    const body = telemetryBodySchema.parse({ stats: secondOfStats(T) });
    expect(await ingestTelemetry(deps, alice, body)).toEqual({ accepted: 0, dropped: true });
    expect(put).toEqual([]);
  });

  it('writes nothing for a batch no rule reads, and only agents may send', async () => {
    const { put, deps } = setup();
    const body = telemetryBodySchema.parse({ errors: [{ errorType: 'ice_collection_timeout' }] });
    expect(await ingestTelemetry(deps, alice, body)).toEqual({ accepted: 1, dropped: false });
    expect(put).toEqual([]);
    await expect(ingestTelemetry(deps, { ...alice, role: 'supervisor' }, body)).rejects.toMatchObject({
      statusCode: 403,
    });
  });

  it('refuses empty and malformed batches', () => {
    expect(telemetryBodySchema.safeParse({}).success).toBe(false);
    expect(telemetryBodySchema.safeParse({ stats: [{ softphoneStreamType: 'video', timestamp: 1 }] }).success).toBe(
      false,
    );
    expect(telemetryBodySchema.safeParse({ stats: secondOfStats(T), contactId: 'a#b' }).success).toBe(false);
    expect(
      telemetryBodySchema.safeParse({ system: [{ timestamp: T, memoryTotal: 10, memoryAvailable: 20 }] }).success,
    ).toBe(false);
  });
});
