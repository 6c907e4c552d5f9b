import { describe, expect, it } from 'vitest';
import { activeContact } from '../../functions/domain/alerts/gating.ts';
import {
  emptyState,
  evaluate,
  type Finding,
  MAX_EVIDENCE,
  type TelemetryState,
  type Thresholds,
  type Windows,
} from '../../functions/domain/alerts/rules.ts';
import type { Sample } from '../../functions/domain/alerts/samples.ts';
import { alertSettingsSchema } from '../../functions/domain/alerts/schemas.ts';

const CONFIG: Thresholds = alertSettingsSchema.parse({});
const T0 = Date.parse('2026-03-02T10:00:00Z');
const at = (s: number) => T0 + s * 1000;

/** `n` one-second samples from second `from`, each built by `make`. */
const series = (from: number, n: number, make: (t: number) => Omit<Sample, 't'>): Sample[] =>
  Array.from({ length: n }, (_, i) => ({ t: at(from + i), ...make(at(from + i)) }));

/** `contact` null: the agent is on no active contact. */
function run(samples: Sample[], contact: string | null = 'c-1', state = emptyState(), windows: Windows = {}) {
  const out: Finding[] = [];
  const result = evaluate(state, windows, samples, contact ?? undefined, CONFIG, out);
  return { out, state, windows, ...result };
}

describe('rule boundaries (defaults: MOS < 3.5 for 15 s, CPU > 90 % for 30 s, memory < 10 % for 30 s)', () => {
  const cases: Array<[string, number, (t: number) => Omit<Sample, 't'>]> = [
    ['poorNetwork', 15, () => ({ mos: 3.2 })],
    ['highCpu', 30, () => ({ cpuPercent: 95 })],
    ['lowMemory', 30, () => ({ memoryAvailablePercent: 5 })],
  ];

  it.each(cases)('%s fires on the sample exactly %i s after the first bad one', (rule, seconds, make) => {
    const { out } = run(series(0, seconds + 1, make));
    expect(out).toHaveLength(1);
    expect(out[0]).toMatchObject({ kind: 'raise', rule, at: at(seconds), since: at(0), contactId: 'c-1' });
  });

  it.each(cases)('%s does not fire one sample before (%i s)', (_rule, seconds, make) => {
    expect(run(series(0, seconds, make)).out).toEqual([]);
  });

  it('treats a value at the threshold as good (strict comparisons)', () => {
    const { out } = run([...series(0, 40, () => ({ mos: 3.5, cpuPercent: 90, memoryAvailablePercent: 10 }))]);
    expect(out).toEqual([]);
  });

  it('fires a blocked microphone at once', () => {
    const { out } = run([{ t: at(0), microphone: 'microphone_not_shared' }]);
    expect(out).toMatchObject([{ kind: 'raise', rule: 'micBlocked', threshold: { operator: 'blocked' } }]);
  });

  it('restarts the duration after a good sample, and ignores samples without the figure', () => {
    const samples = [
      ...series(0, 10, () => ({ mos: 3 })),
      { t: at(10), mos: 4.2 },
      // CPU-only seconds neither continue nor end a network breach.
      ...series(11, 3, () => ({ cpuPercent: 10 })),
      ...series(14, 15, () => ({ mos: 3 })),
    ];
    expect(run(samples).out).toEqual([]);
    expect(run([...samples, { t: at(29), mos: 3 }]).out).toMatchObject([{ since: at(14), at: at(29) }]);
  });

  it('uses the tenant thresholds and durations', () => {
    const out: Finding[] = [];
    const strict = { ...CONFIG, poorNetworkMos: 4, poorNetworkSeconds: 3 };
    evaluate(
      emptyState(),
      {},
      series(0, 4, () => ({ mos: 3.9 })),
      'c-1',
      strict,
      out,
    );
    expect(out).toMatchObject([{ rule: 'poorNetwork', threshold: { value: 4, seconds: 3 }, at: at(3) }]);
  });
});

describe('one alert per rule per contact, explainable', () => {
  it('keeps the window as evidence, capped to the newest points', () => {
    const { out } = run(series(0, 16, (t) => ({ mos: 3, lossPercent: 11, rttMs: 50, jitterMs: 5 + (t % 3) })));
    expect(out[0]?.evidence).toHaveLength(16);
    expect(out[0]?.evidence[0]).toEqual({ t: at(0), mos: 3, lossPercent: 11, rttMs: 50, jitterMs: 5 + (at(0) % 3) });

    const long = { ...CONFIG, poorNetworkSeconds: 100 };
    const findings: Finding[] = [];
    evaluate(
      emptyState(),
      {},
      series(0, 101, () => ({ mos: 3 })),
      'c-1',
      long,
      findings,
    );
    expect(findings[0]?.evidence).toHaveLength(MAX_EVIDENCE);
    expect(findings[0]?.evidence.at(-1)?.t).toBe(at(100));
  });

  it('updates the same alert on a later breach in the same contact, and raises anew on the next contact', () => {
    const state = emptyState();
    const windows: Windows = {};
    const first = run(
      series(0, 16, () => ({ mos: 3 })),
      'c-1',
      state,
      windows,
    ).out;
    const second = run([{ t: at(16), mos: 4.3 }, ...series(17, 16, () => ({ mos: 3 }))], 'c-1', state, windows).out;
    const third = run(
      series(40, 16, () => ({ mos: 3 })),
      'c-2',
      state,
      windows,
    ).out;
    expect(first).toMatchObject([{ kind: 'raise' }]);
    expect(second).toMatchObject([{ kind: 'update', alertId: first[0]?.alertId }]);
    expect(third).toMatchObject([{ kind: 'raise', contactId: 'c-2' }]);
    expect(third[0]?.alertId).not.toBe(first[0]?.alertId);
  });

  it('never fires twice for one breach, whatever arrives twice or late', () => {
    const state = emptyState();
    const windows: Windows = {};
    const samples = series(0, 20, () => ({ mos: 3 }));
    const a = run(samples.slice(0, 16), 'c-1', state, windows);
    // The same batch again (a retried record), an older sample, and the rest of the breach.
    const b = run(samples.slice(0, 16), 'c-1', state, windows);
    const c = run([samples[3] as Sample, ...samples.slice(16)], 'c-1', state, windows);
    expect(a.out).toHaveLength(1);
    expect(b.out).toEqual([]);
    expect(b.late).toBe(16);
    expect(c.out).toEqual([]);
    expect(c.late).toBe(1);
  });

  it('reports a transition only when something persistable changed', () => {
    const state = emptyState();
    const windows: Windows = {};
    expect(run([{ t: at(0), mos: 4.3 }], 'c-1', state, windows).dirty).toBe(true); // contact begins
    expect(run([{ t: at(1), mos: 4.3 }], 'c-1', state, windows).dirty).toBe(false);
    expect(run([{ t: at(2), mos: 3 }], 'c-1', state, windows).dirty).toBe(true); // breach starts
    expect(
      run(
        series(3, 5, () => ({ mos: 3 })),
        'c-1',
        state,
        windows,
      ).dirty,
    ).toBe(false); // continues
    expect(run([{ t: at(8), mos: 4.3 }], 'c-1', state, windows).dirty).toBe(true); // ends
  });
});

describe('gating: only during an active contact', () => {
  it('evaluates nothing off a contact and forgets open breaches when the contact ends', () => {
    const state: TelemetryState = emptyState();
    const windows: Windows = {};
    run(
      series(0, 10, () => ({ mos: 3 })),
      'c-1',
      state,
      windows,
    );
    const off = run(
      series(10, 30, () => ({ mos: 3 })),
      null,
      state,
      windows,
    );
    expect(off.out).toEqual([]);
    expect(off.dirty).toBe(true);
    expect(state.breaches).toEqual({});
    // Back on a contact, the duration starts again.
    expect(
      run(
        series(40, 15, () => ({ mos: 3 })),
        'c-2',
        state,
        windows,
      ).out,
    ).toEqual([]);
  });

  const status = (state: string, s: 'in-call' | 'wrap-up' | 'idle' | 'offline' = 'in-call') => ({
    status: s,
    currentContact: { contactId: 'c-9', channel: 'VOICE', state },
  });

  it('with Connect: connected or on hold only — not ringing, not after-contact work, not idle — and ignores the client', () => {
    expect(activeContact(status('CONNECTED'), true, 'forged')).toBe('c-9');
    expect(activeContact(status('CONNECTED_ONHOLD'), true, undefined)).toBe('c-9');
    expect(activeContact(status('CONNECTING'), true, 'c-9')).toBeUndefined();
    expect(activeContact(status('ENDED', 'wrap-up'), true, 'c-9')).toBeUndefined();
    expect(activeContact({ status: 'idle' }, true, 'c-9')).toBeUndefined();
    expect(activeContact(undefined, true, 'c-9')).toBeUndefined();
  });

  it('without Connect: the client contact id, while the agent has a session', () => {
    expect(activeContact({ status: 'available' }, false, 'c-1')).toBe('c-1');
    expect(activeContact({ status: 'available' }, false, undefined)).toBeUndefined();
    expect(activeContact({ status: 'offline' }, false, 'c-1')).toBeUndefined();
    expect(activeContact(undefined, false, 'c-1')).toBeUndefined();
  });
});
