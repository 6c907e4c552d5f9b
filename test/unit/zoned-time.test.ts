import { describe, expect, it } from 'vitest';
import { isTimeZone, localInstants, localParts, localToInstant, offsetAt } from '../../functions/domain/zoned-time.ts';

const at = (iso: string) => Date.parse(iso);
const iso = (ms: number | undefined) => (ms === undefined ? undefined : new Date(ms).toISOString());
const HOUR = 3_600_000;

describe('isTimeZone', () => {
  it('accepts IANA names and UTC, refuses anything else', () => {
    expect(isTimeZone('Europe/London')).toBe(true);
    expect(isTimeZone('America/New_York')).toBe(true);
    expect(isTimeZone('UTC')).toBe(true);
    expect(isTimeZone('Nowhere/Land')).toBe(false);
    expect(isTimeZone('')).toBe(false);
  });

  it('the conversions throw RangeError for an unknown zone', () => {
    expect(() => localParts(0, 'Nowhere/Land')).toThrow(RangeError);
    expect(() => localToInstant({ year: 2026, month: 1, day: 1 }, 'Nowhere/Land')).toThrow(RangeError);
  });
});

describe('localParts and offsetAt', () => {
  it('reads the wall clock either side of the London spring jump (2026-03-29 01:00Z)', () => {
    expect(localParts(at('2026-03-29T00:59:59Z'), 'Europe/London')).toEqual({
      year: 2026,
      month: 3,
      day: 29,
      hour: 0,
      minute: 59,
      second: 59,
    });
    expect(localParts(at('2026-03-29T01:00:00Z'), 'Europe/London')).toMatchObject({ hour: 2, minute: 0 });
    expect(offsetAt(at('2026-03-29T00:59:59Z'), 'Europe/London')).toBe(0);
    expect(offsetAt(at('2026-03-29T01:00:00Z'), 'Europe/London')).toBe(HOUR);
  });

  it('reports midnight as hour 0 (never 24) and offsets west of Greenwich as negative', () => {
    expect(localParts(at('2026-07-01T04:00:00Z'), 'America/New_York')).toMatchObject({ day: 1, hour: 0 });
    expect(offsetAt(at('2026-07-01T04:00:00Z'), 'America/New_York')).toBe(-4 * HOUR);
    expect(offsetAt(at('2026-01-15T12:00:00Z'), 'America/New_York')).toBe(-5 * HOUR);
  });

  it('a half-hour zone: Asia/Kolkata is UTC+05:30 all year', () => {
    expect(offsetAt(at('2026-01-15T12:00:00Z'), 'Asia/Kolkata')).toBe(5.5 * HOUR);
    expect(offsetAt(at('2026-07-15T12:00:00Z'), 'Asia/Kolkata')).toBe(5.5 * HOUR);
    expect(localParts(at('2026-06-14T21:30:00Z'), 'Asia/Kolkata')).toMatchObject({ day: 15, hour: 3, minute: 0 });
  });
});

describe('localInstants', () => {
  it('an ordinary wall time shows once', () => {
    expect(localInstants({ year: 2026, month: 7, day: 1, hour: 3 }, 'Europe/London').map(iso)).toEqual([
      '2026-07-01T02:00:00.000Z',
    ]);
  });

  it('a time in the spring-forward gap never shows; one in the fall-back overlap shows twice', () => {
    expect(localInstants({ year: 2026, month: 3, day: 29, hour: 1, minute: 30 }, 'Europe/London')).toEqual([]);
    expect(localInstants({ year: 2026, month: 10, day: 25, hour: 1, minute: 30 }, 'Europe/London').map(iso)).toEqual([
      '2026-10-25T00:30:00.000Z',
      '2026-10-25T01:30:00.000Z',
    ]);
  });
});

describe('localToInstant', () => {
  it('normalises overflowing fields as Date.UTC does', () => {
    expect(iso(localToInstant({ year: 2026, month: 12, day: 32, hour: 3 }, 'UTC'))).toBe('2027-01-01T03:00:00.000Z');
    expect(iso(localToInstant({ year: 2026, month: 3, day: 0 }, 'UTC'))).toBe('2026-02-28T00:00:00.000Z');
  });

  it('Europe/London spring forward (2026-03-29, 01:00 GMT -> 02:00 BST)', () => {
    // Start of the gap: the first instant after it.
    expect(iso(localToInstant({ year: 2026, month: 3, day: 29, hour: 1 }, 'Europe/London'))).toBe(
      '2026-03-29T01:00:00.000Z',
    );
    // Inside the gap: moved forward by the gap's length, 01:30 -> 02:30 BST.
    expect(iso(localToInstant({ year: 2026, month: 3, day: 29, hour: 1, minute: 30 }, 'Europe/London'))).toBe(
      '2026-03-29T01:30:00.000Z',
    );
    expect(localToInstant({ year: 2026, month: 3, day: 29, hour: 1, minute: 30 }, 'Europe/London', 'skip')).toBe(
      undefined,
    );
    // Either side of the gap, both policies agree.
    for (const gap of ['shift-forward', 'skip'] as const) {
      expect(iso(localToInstant({ year: 2026, month: 3, day: 29, hour: 0, minute: 59 }, 'Europe/London', gap))).toBe(
        '2026-03-29T00:59:00.000Z',
      );
      expect(iso(localToInstant({ year: 2026, month: 3, day: 29, hour: 2 }, 'Europe/London', gap))).toBe(
        '2026-03-29T01:00:00.000Z',
      );
    }
  });

  it('Europe/London fall back (2026-10-25, 02:00 BST -> 01:00 GMT): the first occurrence', () => {
    for (const gap of ['shift-forward', 'skip'] as const) {
      expect(iso(localToInstant({ year: 2026, month: 10, day: 25, hour: 1 }, 'Europe/London', gap))).toBe(
        '2026-10-25T00:00:00.000Z',
      );
      expect(iso(localToInstant({ year: 2026, month: 10, day: 25, hour: 1, minute: 59 }, 'Europe/London', gap))).toBe(
        '2026-10-25T00:59:00.000Z',
      );
    }
    expect(iso(localToInstant({ year: 2026, month: 10, day: 25, hour: 2 }, 'Europe/London'))).toBe(
      '2026-10-25T02:00:00.000Z',
    );
  });

  it('America/New_York: spring forward 2026-03-08 02:00 EST, fall back 2026-11-01 02:00 EDT', () => {
    expect(iso(localToInstant({ year: 2026, month: 3, day: 8, hour: 2 }, 'America/New_York'))).toBe(
      '2026-03-08T07:00:00.000Z',
    );
    expect(iso(localToInstant({ year: 2026, month: 3, day: 8, hour: 2, minute: 15 }, 'America/New_York'))).toBe(
      '2026-03-08T07:15:00.000Z',
    );
    expect(localToInstant({ year: 2026, month: 3, day: 8, hour: 2, minute: 15 }, 'America/New_York', 'skip')).toBe(
      undefined,
    );
    // 01:00 happens at 05:00Z (EDT) and again at 06:00Z (EST).
    expect(iso(localToInstant({ year: 2026, month: 11, day: 1, hour: 1 }, 'America/New_York'))).toBe(
      '2026-11-01T05:00:00.000Z',
    );
    expect(localInstants({ year: 2026, month: 11, day: 1, hour: 1 }, 'America/New_York').map(iso)).toEqual([
      '2026-11-01T05:00:00.000Z',
      '2026-11-01T06:00:00.000Z',
    ]);
  });

  it('Asia/Kolkata (UTC+05:30): 03:00 local is 21:30Z the day before', () => {
    expect(iso(localToInstant({ year: 2026, month: 6, day: 15, hour: 3 }, 'Asia/Kolkata', 'skip'))).toBe(
      '2026-06-14T21:30:00.000Z',
    );
  });

  it('zones east of UTC+12: Pacific/Auckland (NZST +12, NZDT +13), whose instants lie more than 12 h before the wall time', () => {
    // Spring forward 2026-09-27 02:00 NZST -> 03:00 NZDT (14:00Z on the 26th).
    expect(iso(localToInstant({ year: 2026, month: 9, day: 27, hour: 2 }, 'Pacific/Auckland'))).toBe(
      '2026-09-26T14:00:00.000Z',
    );
    expect(localToInstant({ year: 2026, month: 9, day: 27, hour: 2 }, 'Pacific/Auckland', 'skip')).toBe(undefined);
    // Fall back 2026-04-05 03:00 NZDT -> 02:00 NZST (14:00Z on the 4th): 02:00 shows at 13:00Z, then 14:00Z.
    expect(iso(localToInstant({ year: 2026, month: 4, day: 5, hour: 2 }, 'Pacific/Auckland'))).toBe(
      '2026-04-04T13:00:00.000Z',
    );
  });

  it('a zone that springs forward at midnight: America/Santiago, 2026-09-06 00:00 -04 -> 01:00 -03', () => {
    // The local date begins when the clock jumps past the gap, not an hour before it on the previous date.
    expect(iso(localToInstant({ year: 2026, month: 9, day: 6 }, 'America/Santiago'))).toBe('2026-09-06T04:00:00.000Z');
  });
});
