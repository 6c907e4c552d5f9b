import type { StatusCode, StatusLogEntry } from './status.ts';

/** Offset of `timeZone` from UTC at instant `ms`, in ms (positive east of Greenwich). */
export function zoneOffsetMs(ms: number, timeZone: string): number {
  const parts = new Intl.DateTimeFormat('en-GB', {
    timeZone,
    hourCycle: 'h23',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
  }).formatToParts(new Date(ms));
  const get = (type: string) => Number(parts.find((p) => p.type === type)?.value ?? 0);
  const asUtc = Date.UTC(get('year'), get('month') - 1, get('day'), get('hour'), get('minute'), get('second'));
  return asUtc - Math.floor(ms / 1000) * 1000;
}

/** The instant local midnight begins on `date` (YYYY-MM-DD) in `timeZone` (DST-safe: re-checks the offset). */
export function localMidnight(date: string, timeZone: string): number {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  const guess = Date.UTC(y, m - 1, d);
  const first = guess - zoneOffsetMs(guess, timeZone);
  return guess - zoneOffsetMs(first, timeZone);
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
