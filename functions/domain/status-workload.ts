import type { StatusCode, StatusLogEntry } from './status.ts';
import { localToInstant } from './zoned-time.ts';

/**
 * The instant local midnight begins on `date` (YYYY-MM-DD) in `timeZone`: the first instant of that local date. Where
 * a zone springs forward at midnight (Santiago, Havana) the day begins when the clock jumps past the gap, at 01:00;
 * where 00:00 happens twice (a fall-back from 01:00) it begins at the first 00:00.
 */
export function localMidnight(date: string, timeZone: string): number {
  const [year, month, day] = date.split('-').map(Number) as [number, number, number];
  return localToInstant({ year, month, day }, timeZone, 'shift-forward');
}

export function addDays(date: string, days: number): string {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  return new Date(Date.UTC(y, m - 1, d + days)).toISOString().slice(0, 10);
}

export interface WorkloadDay {
  readonly date: string;
  /** Seconds spent in each status that day (local day of the tenant). */
  readonly seconds: Partial<Record<StatusCode, number>>;
}

/**
 * Time per status per local day between `fromDate` and `toDate` (inclusive), from the status log: `initial` is the
 * status at the start of the period (the last entry before it), `entries` the changes inside it, oldest first.
 * Time after `nowMs` is not counted (today is reported up to now).
 */
export function workload(
  initial: StatusCode,
  entries: readonly Pick<StatusLogEntry, 'to' | 'at'>[],
  fromDate: string,
  toDate: string,
  timeZone: string,
  nowMs: number,
): WorkloadDay[] {
  const days: WorkloadDay[] = [];
  for (let date = fromDate; date <= toDate; date = addDays(date, 1)) days.push({ date, seconds: {} });
  const bounds = days.map((d) => localMidnight(d.date, timeZone));
  const end = Math.min(localMidnight(addDays(toDate, 1), timeZone), nowMs);
  const start = bounds[0] ?? end;
  // Status segments [t0, t1): the initial status from the period start, then each change.
  const changes = entries.map((e) => ({ at: Date.parse(e.at), status: e.to })).filter((c) => c.at < end);
  let status = initial;
  let t0 = start;
  const segments: Array<{ from: number; to: number; status: StatusCode }> = [];
  for (const change of changes) {
    if (change.at > t0) segments.push({ from: t0, to: change.at, status });
    t0 = Math.max(t0, change.at);
    status = change.status;
  }
  if (end > t0) segments.push({ from: t0, to: end, status });
  for (const seg of segments) {
    days.forEach((day, i) => {
      const dayStart = bounds[i] ?? 0;
      const dayEnd = bounds[i + 1] ?? end;
      const overlap = Math.min(seg.to, dayEnd) - Math.max(seg.from, dayStart);
      if (overlap <= 0) return;
      const seconds = day.seconds as Record<string, number>;
      seconds[seg.status] = Math.round(((seconds[seg.status] ?? 0) + overlap / 1000) * 1000) / 1000;
    });
  }
  return days;
}
