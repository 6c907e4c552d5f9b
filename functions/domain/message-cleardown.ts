/**
 * The overnight cleardown: coaching messages live from one cleardown to the next, at a local hour of the tenant's
 * time zone (settings `general.timeZone`, `messaging.cleardownHour`). Computed with Intl only (see zoned-time.ts) and
 * correct across daylight-saving transitions:
 *   - an hour that does not exist that night (spring forward over it) clears down when the clock jumps past it, i.e.
 *     at the first instant after the gap;
 *   - an hour that happens twice (fall back) clears down at its first occurrence.
 */

import { localParts, localToInstant } from './zoned-time.ts';

/**
 * The instant at which the wall clock of `timeZone` shows `hour`:00 on the given local date (month 1-12; day may
 * overflow, it is normalised as Date.UTC does). Gaps and overlaps as described above: the `'shift-forward'` policy
 * of zoned-time turns an hour skipped by the spring jump into the first instant after the gap.
 */
export function zonedHourToInstant(year: number, month: number, day: number, hour: number, timeZone: string): number {
  return localToInstant({ year, month, day, hour }, timeZone, 'shift-forward');
}

/** The latest cleardown at or before `nowMs`: the start of the messaging "today". */
export function lastCleardown(nowMs: number, timeZone: string, hour: number): number {
  const p = localParts(nowMs, timeZone);
  const today = zonedHourToInstant(p.year, p.month, p.day, hour, timeZone);
  return today <= nowMs ? today : zonedHourToInstant(p.year, p.month, p.day - 1, hour, timeZone);
}

/** The first cleardown strictly after `nowMs`: when today's messages expire (their `ttl`). */
export function nextCleardown(nowMs: number, timeZone: string, hour: number): number {
  const p = localParts(nowMs, timeZone);
  const today = zonedHourToInstant(p.year, p.month, p.day, hour, timeZone);
  return today > nowMs ? today : zonedHourToInstant(p.year, p.month, p.day + 1, hour, timeZone);
}

/** The messaging day that contains `nowMs`, as epoch milliseconds [start, end). */
export function messagingDay(
  nowMs: number,
  settings: { readonly timeZone: string; readonly cleardownHour: number },
): { readonly start: number; readonly end: number } {
  return {
    start: lastCleardown(nowMs, settings.timeZone, settings.cleardownHour),
    end: nextCleardown(nowMs, settings.timeZone, settings.cleardownHour),
  };
}
