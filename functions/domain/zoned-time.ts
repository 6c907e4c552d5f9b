/**
 * Wall-clock arithmetic in IANA time zones, with Intl only: there is no date library in the Lambda bundles and no tz
 * database of our own. Used by the overnight cleardown, the status workload report and the local Scheduler emulator.
 *
 * Converting an instant to a zone's wall clock is exact. The other way round is not always one answer:
 *   - in a spring-forward gap (e.g. 01:00–02:00 in London on 2026-03-29) a wall time never shows;
 *   - in a fall-back overlap (e.g. 01:00–02:00 in London on 2026-10-25) a wall time shows twice.
 * `localInstants` returns every instant (none, one or two); `localToInstant` picks one by a stated policy.
 */

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

/** A wall-clock reading of a zone. `month` is 1-12. */
export interface LocalParts {
  readonly year: number;
  readonly month: number;
  readonly day: number;
  readonly hour: number;
  readonly minute: number;
  readonly second: number;
}

/**
 * A wall-clock time to convert: a local date with an optional time of day (missing fields are 0). Fields may
 * overflow — day 0 or 32, hour 24 — and are normalised as `Date.UTC` does, so "the day after" is `day + 1`.
 */
export interface LocalDateTime {
  readonly year: number;
  readonly month: number;
  readonly day: number;
  readonly hour?: number;
  readonly minute?: number;
  readonly second?: number;
}

/**
 * What `localToInstant` does with a wall time inside a spring-forward gap:
 *   - `'shift-forward'`: the time is read with the offset in force before the gap, which moves it forward by the
 *     length of the gap (02:30 in a 02:00→03:00 gap becomes 03:30 new time). A time at the start of the gap — the
 *     whole hour a daily job usually names — becomes the first instant after it. Same as Temporal's `'compatible'`
 *     disambiguation and java.time's `ZonedDateTime.of`. Used by the cleardown and by Scheduler `at()`.
 *   - `'skip'`: there is no such instant; the result is undefined. Used by Scheduler `cron()`, which (as AWS does)
 *     does not fire an occurrence that never shows on the clock.
 */
export type GapPolicy = 'shift-forward' | 'skip';

const formatters = new Map<string, Intl.DateTimeFormat>();

/** Creating a DateTimeFormat is far costlier than using one: one per zone, kept for the life of the process. */
function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    // Throws RangeError for an unknown zone. en-US with `hourCycle: 'h23'` gives plain numeric parts; `hour12: false`
    // would print midnight as "24" on some engines.
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

/** Whether the runtime knows `timeZone` as an IANA zone name (or an alias such as `UTC`). */
export function isTimeZone(timeZone: string): boolean {
  try {
    // Not through the cache: this vets untrusted input, and Intl accepts any letter case ("eUrOpE/lOnDoN"), so
    // caching here would let callers grow the cache without bound.
    new Intl.DateTimeFormat('en-US', { timeZone });
    return true;
  } catch {
    return false;
  }
}

/** The wall clock of `timeZone` at an instant (ms epoch), to the second. Throws RangeError for an unknown zone. */
export function localParts(instantMs: number, timeZone: string): LocalParts {
  const out: Record<string, number> = {};
  for (const part of formatterFor(timeZone).formatToParts(instantMs)) {
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

/** The zone's offset from UTC in force at an instant, in ms (positive east of Greenwich). */
export function offsetAt(instantMs: number, timeZone: string): number {
  const p = localParts(instantMs, timeZone);
  // The wall clock is read to the second, so compare it with the instant truncated to the second.
  return Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second) - Math.floor(instantMs / 1000) * 1000;
}

/** A wall time encoded as if it were a UTC instant: the arithmetic below subtracts offsets from it. */
function wallAsUtc(local: LocalDateTime): number {
  return Date.UTC(local.year, local.month - 1, local.day, local.hour ?? 0, local.minute ?? 0, local.second ?? 0);
}

function instantsForWall(wall: number, timeZone: string): number[] {
  // A real zone changes offset at most once within a couple of days, so the offsets seen a day either side of the
  // wall time (and at it) include every offset that can map onto it — including zones east of UTC+12, whose
  // instants lie more than 12 h before the wall time read as UTC.
  const offsets = new Set([
    offsetAt(wall - DAY_MS, timeZone),
    offsetAt(wall, timeZone),
    offsetAt(wall + DAY_MS, timeZone),
  ]);
  const out: number[] = [];
  for (const offset of offsets) {
    const t = wall - offset;
    if (offsetAt(t, timeZone) === offset && !out.includes(t)) out.push(t);
  }
  return out.sort((a, b) => a - b);
}

/**
 * Every instant at which the clocks of `timeZone` show `local`, ascending: none inside a spring-forward gap, two
 * inside a fall-back overlap, otherwise one.
 */
export function localInstants(local: LocalDateTime, timeZone: string): number[] {
  return instantsForWall(wallAsUtc(local), timeZone);
}

/**
 * The instant at which the clocks of `timeZone` show `local`. A time that shows twice (fall-back overlap) maps to
 * its first occurrence; a time that never shows (spring-forward gap) follows `gap`, see {@link GapPolicy}.
 */
export function localToInstant(local: LocalDateTime, timeZone: string, gap?: 'shift-forward'): number;
export function localToInstant(local: LocalDateTime, timeZone: string, gap: 'skip'): number | undefined;
export function localToInstant(local: LocalDateTime, timeZone: string, gap: GapPolicy): number | undefined;
export function localToInstant(
  local: LocalDateTime,
  timeZone: string,
  gap: GapPolicy = 'shift-forward',
): number | undefined {
  const wall = wallAsUtc(local);
  const first = instantsForWall(wall, timeZone)[0];
  if (first !== undefined || gap === 'skip') return first;
  // The offset a day earlier is the one in force before the gap.
  return wall - offsetAt(wall - DAY_MS, timeZone);
}
