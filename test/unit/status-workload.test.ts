import { describe, expect, it } from 'vitest';
import { localMidnight, workload } from '../../functions/domain/status-workload.ts';

describe('workload report', () => {
  it('finds local midnight across DST', () => {
    expect(new Date(localMidnight('2026-07-01', 'Europe/London')).toISOString()).toBe('2026-06-30T23:00:00.000Z');
    expect(new Date(localMidnight('2026-12-01', 'Europe/London')).toISOString()).toBe('2026-12-01T00:00:00.000Z');
    expect(new Date(localMidnight('2026-07-01', 'America/New_York')).toISOString()).toBe('2026-07-01T04:00:00.000Z');
    // Santiago springs forward at midnight (2026-09-06 00:00 -04 -> 01:00 -03): the day begins at the jump.
    expect(new Date(localMidnight('2026-09-06', 'America/Santiago')).toISOString()).toBe('2026-09-06T04:00:00.000Z');
  });

  it('splits time per status at local midnight and stops at now', () => {
    // London summer (UTC+1): day 1 starts 2026-06-30T23:00Z.
    const days = workload(
      'offline',
      [
        { to: 'available', at: '2026-07-01T07:00:00.000Z' },
        { to: 'in-call', at: '2026-07-01T08:00:00.000Z' },
        { to: 'available', at: '2026-07-01T08:30:00.000Z' },
        // Works past local midnight (23:00Z) into day 2.
        { to: 'offline', at: '2026-07-02T00:00:00.000Z' },
      ],
      '2026-07-01',
      '2026-07-02',
      'Europe/London',
      Date.parse('2026-07-02T12:00:00.000Z'),
    );
    expect(days[0]).toEqual({
      date: '2026-07-01',
      seconds: { offline: 8 * 3600, available: 3600 + 14.5 * 3600, 'in-call': 1800 },
    });
    expect(days[1]).toEqual({ date: '2026-07-02', seconds: { available: 3600, offline: 12 * 3600 } });
  });
});
