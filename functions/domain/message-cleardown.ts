/**
 * The overnight cleardown: coaching messages live from one cleardown to the next, at a local hour of the tenant's
 * time zone (settings `general.timeZone`, `messaging.cleardownHour`). Computed with Intl only — there is no date
 * library in the bundle — and correct across daylight-saving transitions:
 *   - an hour that does not exist that night (spring forward over it) clears down when the clock jumps past it, i.e.
 *     at the first instant after the gap;
 *   - an hour that happens twice (fall back) clears down at its first occurrence.
 */

const HOUR_MS = 60 * 60 * 1000;

interface LocalParts {
  readonly year: number;
  readonly month: number;
  readonly day: number;
  readonly hour: number;
  readonly minute: number;
  readonly second: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    // en-US with h23 gives plain numeric parts; `hourCycle` avoids the "24" midnight some engines print with hour12.
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(timeZone, f);
  }
  return f;
}

function localParts(instantMs: number, timeZone: string): LocalParts {
  const out: Record<string, number> = {};
  for (const part of formatter(timeZone).formatToParts(new Date(instantMs))) {
    if (part.type !== 'literal') out[part.type] = Number(part.value);
  }
  return {
    year: out.year ?? 1970,
    month: out.month ?? 1,
    day: out.day ?? 1,
    hour: out.hour ?? 0,
    minute: out.minute ?? 0,
    second: out.second ?? 0,
  };
}

/** The zone's offset from UTC at an instant, in ms (positive east of Greenwich). */
function offsetAt(instantMs: number, timeZone: string): number {
  const p = localParts(instantMs, timeZone);
  const asUtc = Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second);
  return asUtc - Math.floor(instantMs / 1000) * 1000;
}

/**
 * The instant at which the wall clock of `timeZone` shows `hour`:00 on the given local date (month 1-12; day may
 * overflow, Date.UTC normalises it). Rules for gaps and overlaps as described above.
 */
export function zonedHourToInstant(year: number, month: number, day: number, hour: number, timeZone: string): number {
  const wall = Date.UTC(year, month - 1, day, hour);
  // The offsets in force half a day either side: a DST transition near that hour lies between them.
  const before = offsetAt(wall - 12 * HOUR_MS, timeZone);
  const after = offsetAt(wall + 12 * HOUR_MS, timeZone);
  const target = localParts(wall, 'UTC');
  const shows = (instant: number) => {
    const p = localParts(instant, timeZone);
    return (
      p.year === target.year && p.month === target.month && p.day === target.day && p.hour === hour && p.minute === 0
    );
  };
  const candidates = [wall - before, wall - after].filter(shows).sort((a, b) => a - b);
  // Overlap: both are valid, the first occurrence wins. Gap: neither is; `wall - before` is the instant the clock
  // jumps to just after the missing hour.
  return candidates[0] ?? wall - before;
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
