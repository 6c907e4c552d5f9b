import { isTimeZone, type LocalDateTime, localParts, localToInstant } from '../../functions/domain/zoned-time.ts';

/**
 * EventBridge Scheduler's schedule expressions for the local Scheduler emulator: `at()`, `rate()` and six-field
 * `cron()` (with `?`, `L`, names, ranges and steps) evaluated in an IANA time zone with AWS's DST rules.
 */

const MINUTE = 60_000;
const HOUR = 3_600_000;
const DAY = 86_400_000;

export class ScheduleExpressionError extends Error {
  override readonly name = 'ScheduleExpressionError';
}

interface CronSpec {
  minutes: number[];
  hours: number[];
  daysOfMonth: Set<number> | 'any';
  lastDayOfMonth: boolean;
  months: Set<number>;
  daysOfWeek: Set<number> | 'any'; // 1 = SUN … 7 = SAT, as AWS counts
  years: Set<number> | 'any';
}

export type Expression =
  | { kind: 'at'; local: LocalDateTime }
  | { kind: 'rate'; periodMs: number }
  | { kind: 'cron'; cron: CronSpec };

const MONTH_NAMES = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];
const DAY_NAMES = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'];
const MIN_YEAR = 1970;
const MAX_YEAR = 2199;

function parseCronField(text: string, min: number, max: number, names?: string[]): Set<number> {
  const values = new Set<number>();
  const atom = (s: string): number => {
    const upper = s.toUpperCase();
    const named = names ? names.indexOf(upper) : -1;
    if (named >= 0) return named + min;
    if (!/^\d+$/.test(s)) throw new ScheduleExpressionError(`invalid cron value '${s}'`);
    const n = Number(s);
    if (n < min || n > max) throw new ScheduleExpressionError(`cron value ${n} outside ${min}-${max}`);
    return n;
  };
  for (const item of text.split(',')) {
    const [range = '', stepText] = item.split('/');
    let from: number;
    let to: number;
    if (range === '*') {
      from = min;
      to = max;
    } else if (range.includes('-')) {
      const [a = '', b = ''] = range.split('-');
      from = atom(a);
      to = atom(b);
      if (from > to) throw new ScheduleExpressionError(`cron range '${range}' runs backwards`);
    } else {
      from = atom(range);
      // `a/n` means "from a to the end of the field, every n" (as in `0/15`).
      to = stepText === undefined ? from : max;
    }
    const step = stepText === undefined ? 1 : Number(stepText);
    if (!Number.isInteger(step) || step < 1) throw new ScheduleExpressionError(`invalid cron step '${stepText}'`);
    for (let v = from; v <= to; v += step) values.add(v);
  }
  return values;
}

function parseCron(body: string): CronSpec {
  const fields = body.trim().split(/\s+/);
  if (fields.length !== 6) throw new ScheduleExpressionError('cron() needs 6 fields: min hour dom month dow year');
  const [min = '', hour = '', dom = '', month = '', dow = '', year = ''] = fields;
  // AWS: one of day-of-month and day-of-week must be '?', the other one decides.
  if ((dom === '?') === (dow === '?')) {
    throw new ScheduleExpressionError("exactly one of day-of-month and day-of-week must be '?'");
  }
  const lastDayOfMonth = dom.toUpperCase() === 'L';
  return {
    minutes: [...parseCronField(min, 0, 59)].sort((a, b) => a - b),
    hours: [...parseCronField(hour, 0, 23)].sort((a, b) => a - b),
    daysOfMonth: dom === '?' || lastDayOfMonth ? 'any' : parseCronField(dom, 1, 31),
    lastDayOfMonth,
    months: parseCronField(month, 1, 12, MONTH_NAMES),
    daysOfWeek: dow === '?' ? 'any' : parseCronField(dow, 1, 7, DAY_NAMES),
    years: year === '*' ? 'any' : parseCronField(year, MIN_YEAR, MAX_YEAR),
  };
}

export function parseExpression(expression: string): Expression {
  const m = /^(at|rate|cron)\((.*)\)$/.exec(expression.trim());
  if (!m) throw new ScheduleExpressionError(`unsupported schedule expression '${expression}'`);
  const [, kind, body = ''] = m;
  if (kind === 'at') {
    const at = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})$/.exec(body.trim());
    if (!at) throw new ScheduleExpressionError('at() needs yyyy-mm-ddThh:mm:ss');
    const [y, mo, d, h, mi, s] = at.slice(1).map(Number) as [number, number, number, number, number, number];
    const check = new Date(Date.UTC(y, mo - 1, d, h, mi, s));
    if (check.getUTCMonth() !== mo - 1 || check.getUTCDate() !== d || h > 23 || mi > 59 || s > 59) {
      throw new ScheduleExpressionError(`at(${body}) is not a valid date and time`);
    }
    return { kind: 'at', local: { year: y, month: mo, day: d, hour: h, minute: mi, second: s } };
  }
  if (kind === 'rate') {
    const rate = /^(\d+)\s+(minute|minutes|hour|hours|day|days)$/.exec(body.trim());
    if (!rate) throw new ScheduleExpressionError('rate() needs "<positive integer> minutes|hours|days"');
    const n = Number(rate[1]);
    if (n < 1) throw new ScheduleExpressionError('rate() value must be positive');
    const unit = rate[2]?.startsWith('minute') ? MINUTE : rate[2]?.startsWith('hour') ? HOUR : DAY;
    // AWS: a rate in days is a fixed 24 h duration, not "same wall time tomorrow" across DST.
    return { kind: 'rate', periodMs: n * unit };
  }
  return { kind: 'cron', cron: parseCron(body) };
}

export function atInstant(local: LocalDateTime, timeZone: string): number {
  // A one-time schedule fires even when its wall time falls in a spring-forward gap: moved forward past the gap.
  return localToInstant(local, timeZone, 'shift-forward');
}

function cronDayMatches(cron: CronSpec, dayUtc: Date): boolean {
  const year = dayUtc.getUTCFullYear();
  const month = dayUtc.getUTCMonth() + 1;
  const day = dayUtc.getUTCDate();
  if (cron.years !== 'any' && !cron.years.has(year)) return false;
  if (!cron.months.has(month)) return false;
  if (cron.lastDayOfMonth) return new Date(Date.UTC(year, month, 0)).getUTCDate() === day;
  if (cron.daysOfMonth !== 'any' && !cron.daysOfMonth.has(day)) return false;
  if (cron.daysOfWeek !== 'any' && !cron.daysOfWeek.has(dayUtc.getUTCDay() + 1)) return false;
  return true;
}

export function nextCron(cron: CronSpec, timeZone: string, afterMs: number): number | undefined {
  // Walk local calendar days from the day before `afterMs` (zones reach UTC-12..UTC+14), trying each matching
  // minute in order. AWS semantics across DST: a wall time inside the spring-forward gap is skipped; a wall time that
  // occurs twice when clocks fall back fires once, at its first occurrence.
  const start = localParts(afterMs, timeZone);
  const lastYear = cron.years === 'any' ? MAX_YEAR : Math.max(...cron.years);
  for (let day = Date.UTC(start.year, start.month - 1, start.day) - DAY; ; day += DAY) {
    const date = new Date(day);
    if (date.getUTCFullYear() > lastYear) return undefined;
    if (!cronDayMatches(cron, date)) continue;
    for (const hour of cron.hours) {
      for (const minute of cron.minutes) {
        const wallAsUtc = day + hour * HOUR + minute * MINUTE;
        // The instant lies within [wall - 14 h, wall + 12 h]: skip wall times that cannot be after `afterMs`.
        if (wallAsUtc + 12 * HOUR <= afterMs) continue;
        const local = {
          year: date.getUTCFullYear(),
          month: date.getUTCMonth() + 1,
          day: date.getUTCDate(),
          hour,
          minute,
        };
        const first = localToInstant(local, timeZone, 'skip');
        if (first !== undefined && first > afterMs) return first;
      }
    }
  }
}

/**
 * The first time strictly after `afterMs` at which `expression` fires, evaluated in `timezone`; undefined when it
 * never fires again (a past `at()`, a cron whose years are over). For `rate()` this is simply `afterMs + period`.
 * Throws ScheduleExpressionError for an invalid expression or time zone.
 */
export function nextFireTime(expression: string, timezone: string, afterMs: number): number | undefined {
  if (!isTimeZone(timezone)) throw new ScheduleExpressionError(`unknown time zone '${timezone}'`);
  const parsed = parseExpression(expression);
  switch (parsed.kind) {
    case 'at': {
      const t = atInstant(parsed.local, timezone);
      return t > afterMs ? t : undefined;
    }
    case 'rate':
      return afterMs + parsed.periodMs;
    case 'cron':
      return nextCron(parsed.cron, timezone, afterMs);
  }
}
