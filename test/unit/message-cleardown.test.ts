import { describe, expect, it } from 'vitest';
import {
  lastCleardown,
  messagingDay,
  nextCleardown,
  zonedHourToInstant,
} from '../../functions/domain/message-cleardown.ts';

const at = (iso: string) => Date.parse(iso);
const iso = (ms: number) => new Date(ms).toISOString();
const HOUR = 3_600_000;

describe('cleardown instants', () => {
  it('Europe/London, spring forward (2026-03-29): 03:00 BST is 02:00Z and that day is 23 hours long', () => {
    const now = at('2026-03-28T12:00:00Z');
    expect(iso(lastCleardown(now, 'Europe/London', 3))).toBe('2026-03-28T03:00:00.000Z');
    expect(iso(nextCleardown(now, 'Europe/London', 3))).toBe('2026-03-29T02:00:00.000Z');
    const day = messagingDay(now, { timeZone: 'Europe/London', cleardownHour: 3 });
    expect(day.end - day.start).toBe(23 * HOUR);
    // Just after the jump (02:30 BST): still the day that started on the 28th.
    expect(iso(nextCleardown(at('2026-03-29T01:30:00Z'), 'Europe/London', 3))).toBe('2026-03-29T02:00:00.000Z');
  });

  it('Europe/London: an hour skipped by the spring jump clears down when the clock jumps past it', () => {
    // 01:00 local does not exist on 2026-03-29: clocks go from 01:00 GMT straight to 02:00 BST (01:00Z).
    expect(iso(zonedHourToInstant(2026, 3, 29, 1, 'Europe/London'))).toBe('2026-03-29T01:00:00.000Z');
    expect(iso(nextCleardown(at('2026-03-28T23:00:00Z'), 'Europe/London', 1))).toBe('2026-03-29T01:00:00.000Z');
  });

  it('Europe/London, fall back (2026-10-25): 03:00 GMT is 03:00Z and that day is 25 hours long', () => {
    const now = at('2026-10-24T12:00:00Z');
    expect(iso(lastCleardown(now, 'Europe/London', 3))).toBe('2026-10-24T02:00:00.000Z');
    expect(iso(nextCleardown(now, 'Europe/London', 3))).toBe('2026-10-25T03:00:00.000Z');
    const day = messagingDay(now, { timeZone: 'Europe/London', cleardownHour: 3 });
    expect(day.end - day.start).toBe(25 * HOUR);
  });

  it('Europe/London: an hour that happens twice clears down at its first occurrence', () => {
    // 01:00 local happens at 00:00Z (BST) and again at 01:00Z (GMT).
    expect(iso(zonedHourToInstant(2026, 10, 25, 1, 'Europe/London'))).toBe('2026-10-25T00:00:00.000Z');
    expect(iso(nextCleardown(at('2026-10-24T22:00:00Z'), 'Europe/London', 1))).toBe('2026-10-25T00:00:00.000Z');
    // Between the two occurrences, the day has already turned over.
    expect(iso(lastCleardown(at('2026-10-25T00:30:00Z'), 'Europe/London', 1))).toBe('2026-10-25T00:00:00.000Z');
  });

  it('America/New_York across both transitions of 2026', () => {
    // Spring forward 2026-03-08 02:00 EST -> 03:00 EDT (07:00Z).
    expect(iso(nextCleardown(at('2026-03-07T20:00:00Z'), 'America/New_York', 3))).toBe('2026-03-08T07:00:00.000Z');
    expect(iso(zonedHourToInstant(2026, 3, 8, 2, 'America/New_York'))).toBe('2026-03-08T07:00:00.000Z');
    // Fall back 2026-11-01 02:00 EDT -> 01:00 EST (06:00Z).
    expect(iso(nextCleardown(at('2026-10-31T20:00:00Z'), 'America/New_York', 3))).toBe('2026-11-01T08:00:00.000Z');
    expect(iso(zonedHourToInstant(2026, 11, 1, 1, 'America/New_York'))).toBe('2026-11-01T05:00:00.000Z');
    // An ordinary summer day.
    expect(iso(lastCleardown(at('2026-07-01T12:00:00Z'), 'America/New_York', 3))).toBe('2026-07-01T07:00:00.000Z');
  });

  it('Asia/Kolkata (UTC+05:30, no DST): 03:00 IST is 21:30Z the previous day', () => {
    const now = at('2026-06-15T00:00:00Z'); // 05:30 IST
    expect(iso(lastCleardown(now, 'Asia/Kolkata', 3))).toBe('2026-06-14T21:30:00.000Z');
    expect(iso(nextCleardown(now, 'Asia/Kolkata', 3))).toBe('2026-06-15T21:30:00.000Z');
    // Before 03:00 IST the day is yesterday's.
    expect(iso(lastCleardown(at('2026-06-14T21:00:00Z'), 'Asia/Kolkata', 3))).toBe('2026-06-13T21:30:00.000Z');
  });

  it('Pacific/Auckland (UTC+12/+13): the gap and overlap rules hold east of UTC+12 too', () => {
    // Spring forward 2026-09-27 02:00 NZST -> 03:00 NZDT (14:00Z on the 26th): a 02:00 cleardown happens at the jump.
    expect(iso(zonedHourToInstant(2026, 9, 27, 2, 'Pacific/Auckland'))).toBe('2026-09-26T14:00:00.000Z');
    // Fall back 2026-04-05 03:00 NZDT -> 02:00 NZST: 02:00 first shows at 13:00Z (NZDT).
    expect(iso(zonedHourToInstant(2026, 4, 5, 2, 'Pacific/Auckland'))).toBe('2026-04-04T13:00:00.000Z');
  });

  it('exactly at the cleardown instant a new day begins; month and year ends roll over', () => {
    const now = at('2026-12-31T00:00:00Z');
    expect(lastCleardown(now, 'UTC', 0)).toBe(now);
    expect(iso(nextCleardown(now, 'UTC', 0))).toBe('2027-01-01T00:00:00.000Z');
    expect(iso(nextCleardown(at('2026-12-31T23:59:59Z'), 'UTC', 23))).toBe('2027-01-01T23:00:00.000Z');
    expect(iso(lastCleardown(at('2026-03-01T00:30:00Z'), 'UTC', 3))).toBe('2026-02-28T03:00:00.000Z');
  });
});
