import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { estimateMos, lossPercent } from '../../functions/domain/alerts/mos.ts';
import { type Sample, SampleReader, toSamples } from '../../functions/domain/alerts/samples.ts';
import { MIC_CODES, type TelemetryRecord, telemetryRecordSchema } from '../../functions/domain/alerts/schemas.ts';
import { secondOfStats, telemetryRecord } from '../support/telemetry.ts';

/** What a SampleReader reads of a record, each sample copied (undefined: not its layout, it declined). */
/** A stored telemetry record of acme/alice with these network, system and microphone rows. */
const recordOf = (n: number[], s: number[], m: TelemetryRecord['m']): TelemetryRecord => ({
  v: 1,
  tenant: 'acme',
  agent: 'alice',
  receivedAt: 0,
  n,
  s,
  m,
});

function readAll(r: TelemetryRecord): Sample[] | undefined {
  const reader = new SampleReader();
  if (!reader.start(r)) return undefined;
  const out: Sample[] = [];
  while (reader.next()) out.push({ ...reader.sample });
  return out;
}

describe('MOS estimate (simplified E-model)', () => {
  it('scores a perfect network ≈ 4.43', () => {
    expect(estimateMos(0, 0, 0)).toBeCloseTo(4.4333, 3);
  });

  it('crosses 3.5 at ≈ 10 % loss with 50 ms RTT and 5 ms jitter', () => {
    expect(estimateMos(50, 5, 9.9)).toBeGreaterThan(3.5);
    expect(estimateMos(50, 5, 10.1)).toBeLessThan(3.5);
  });

  it('crosses 3.5 between 370 and 380 ms RTT without loss', () => {
    expect(estimateMos(370, 0, 0)).toBeGreaterThan(3.5);
    expect(estimateMos(380, 0, 0)).toBeLessThan(3.5);
  });

  it('uses the long-latency branch from 160 ms effective latency and floors R at 6.52 or 0', () => {
    // L = 150 + 10 = 160: R = 94.768 − 40/10 = 90.768
    const r = 90.768;
    expect(estimateMos(150, 0, 0)).toBeCloseTo(1 + 0.035 * r + 0.000007 * r * (r - 60) * (100 - r), 10);
    // Loss above R/2.5 zeroes R: MOS = 1.
    expect(estimateMos(0, 0, 50)).toBe(1);
  });

  it('computes loss over lost + counted packets, and no figure without packets', () => {
    expect(lossPercent(5, 45)).toBe(10);
    expect(lossPercent(0, 0)).toBeUndefined();
  });
});

describe('samples from a softphone batch', () => {
  const parse = (fields: Record<string, unknown>): TelemetryRecord =>
    telemetryRecordSchema.parse(telemetryRecord('acme', 'alice', fields));

  it('merges both streams of a second into one sample with loss, worse jitter, RTT and MOS', () => {
    const t = Date.parse('2026-03-02T10:00:00.250Z');
    const [s, ...rest] = toSamples(parse({ stats: secondOfStats(t, { lossPercent: 20, rttMs: 80, jitterMs: 12 }) }));
    expect(rest).toEqual([]);
    expect(s?.t).toBe(Date.parse('2026-03-02T10:00:00.000Z'));
    // 13 of 63 packets of the output stream lost, none of 50 on input: 13 / 113.
    expect(s?.lossPercent).toBeCloseTo((13 / 113) * 100, 6);
    expect(s?.rttMs).toBe(80);
    expect(s?.jitterMs).toBe(12);
    expect(s?.mos).toBeCloseTo(estimateMos(80, 12, (13 / 113) * 100), 10);
  });

  it('accepts the library as it is: null fields on the first sample, epoch-ms timestamps, unknown fields', () => {
    const t = Date.parse('2026-03-02T10:00:00Z');
    const first = {
      softphoneStreamType: 'audio_output',
      timestamp: t,
      packetsLost: null,
      packetsCount: null,
      audioLevel: null,
      jitterBufferMillis: null,
      roundTripTimeMillis: null,
      somethingNew: 1,
    };
    expect(toSamples(parse({ stats: [first, ...secondOfStats(t + 1000)] })).map((s) => s.t)).toEqual([t + 1000]);
  });

  it('reads mic errors, a denied permission, CPU and available memory %', () => {
    const t = Date.parse('2026-03-02T10:00:00Z');
    const samples = toSamples(
      parse({
        errors: [{ errorType: 'microphone_not_shared', errorMessage: 'denied', timestamp: new Date(t).toISOString() }],
        permission: { microphone: 'denied', timestamp: t + 1000 },
        system: [{ timestamp: t + 2000, cpuUsedPercent: 95, memoryTotal: 8e9, memoryAvailable: 4e8 }],
      }),
    );
    expect(samples).toEqual([
      { t, microphone: 'microphone_not_shared' },
      { t: t + 1000, microphone: 'permission-denied' },
      { t: t + 2000, cpuPercent: 95, memoryAvailablePercent: 5 },
    ]);
  });

  it('gives every second one sample, in order, whatever the order, gaps and repeats of the arrays', () => {
    // The plain definition: one sample per distinct second, each array applied in turn, sorted by time.
    const reference = (r: TelemetryRecord): Sample[] => {
      const byT = new Map<number, Sample>();
      const at = (t: number) => byT.get(t) ?? (byT.set(t, { t }).get(t) as Sample);
      for (let i = 0; i + 5 <= r.n.length; i += 5) {
        const [t, lost, counted, jitter, rtt] = r.n.slice(i, i + 5) as number[];
        const loss = lossPercent(Math.max(0, lost as number), Math.max(0, counted as number));
        if (loss === undefined) continue;
        const j = Math.max(0, jitter as number);
        const x = Math.max(0, rtt as number);
        Object.assign(at(t as number), { lossPercent: loss, jitterMs: j, rttMs: x, mos: estimateMos(x, j, loss) });
      }
      for (let i = 0; i + 4 <= r.s.length; i += 4) {
        const [t, cpu, total, available] = r.s.slice(i, i + 4) as number[];
        if ((cpu as number) < 0 && ((total as number) <= 0 || (available as number) < 0)) continue;
        const sample = at(t as number);
        if ((cpu as number) >= 0) sample.cpuPercent = cpu as number;
        if ((total as number) > 0 && (available as number) >= 0)
          sample.memoryAvailablePercent = ((available as number) / (total as number)) * 100;
      }
      for (const [t, code] of r.m) at(t).microphone = code;
      return [...byT.values()].sort((a, b) => a.t - b.t);
    };
    const second = fc.integer({ min: 0, max: 12 }).map((k) => 1_772_445_600_000 + k * 1000);
    const figure = fc.integer({ min: -1, max: 60 });
    const record = fc.record({
      n: fc.array(fc.tuple(second, figure, figure, figure, figure), { maxLength: 12 }),
      s: fc.array(fc.tuple(second, figure, fc.constantFrom(-1, 0, 8e9), fc.constantFrom(-1, 0, 2e9)), {
        maxLength: 12,
      }),
      m: fc.array(fc.tuple(second, fc.constantFrom(...MIC_CODES)), { maxLength: 3 }),
      sorted: fc.boolean(),
    });
    fc.assert(
      fc.property(record, ({ n, s, m, sorted }) => {
        const order = <T extends number[]>(rows: T[]) =>
          sorted ? [...rows].sort((a, b) => (a[0] as number) - (b[0] as number)) : rows;
        const r = recordOf(order(n).flat(), order(s).flat(), m);
        expect(toSamples(r)).toEqual(reference(r));
        expect(readAll(r) ?? reference(r)).toEqual(reference(r));
      }),
      { numRuns: 2000 },
    );
    // The reader's own layout (no microphone event, each array's seconds strictly increasing), every time.
    const unique = <T extends number[]>(rows: T[]) =>
      [...new Map(rows.map((row) => [row[0], row])).values()].sort((a, b) => (a[0] as number) - (b[0] as number));
    fc.assert(
      fc.property(record, ({ n, s }) => {
        const r = recordOf(unique(n).flat(), unique(s).flat(), []);
        expect(readAll(r)).toEqual(reference(r));
      }),
      { numRuns: 2000 },
    );
  });
});
