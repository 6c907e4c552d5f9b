import { isTimeZone } from '../../functions/domain/zoned-time.ts';
import { RestJsonError } from './http-util.ts';
import { atInstant, type Expression, nextCron, parseExpression } from './schedule-expression.ts';

/**
 * A schedule of the local Scheduler emulator: the validation of a CreateSchedule/UpdateSchedule body into one (with
 * the errors the Scheduler API answers) and when it fires next.
 */

export const DEFAULT_GROUP = 'default';

export interface Target {
  Arn: string;
  RoleArn: string;
  Input?: string;
  RetryPolicy?: { MaximumRetryAttempts?: number; MaximumEventAgeInSeconds?: number };
  [key: string]: unknown;
}

export interface Schedule {
  name: string;
  groupName: string;
  expression: string;
  parsed: Expression;
  timezone: string;
  startDate: number | undefined;
  endDate: number | undefined;
  description: string | undefined;
  state: 'ENABLED' | 'DISABLED';
  target: Target;
  flexibleTimeWindow: { Mode: string; MaximumWindowInMinutes?: number };
  actionAfterCompletion: 'NONE' | 'DELETE';
  kmsKeyArn: string | undefined;
  clientToken: string | undefined;
  creationDate: number;
  lastModificationDate: number;
  nextFireAt: number | undefined;
}

export const validation = (message: string) => new RestJsonError(400, 'ValidationException', message);

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function optString(body: Record<string, unknown>, key: string): string | undefined {
  const v = body[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') throw validation(`${key} must be a string`);
  return v;
}

/** restJson1 sends timestamps as epoch seconds; accept ISO strings as well for hand-written requests. */
function optDate(body: Record<string, unknown>, key: string): number | undefined {
  const v = body[key];
  if (v === undefined || v === null) return undefined;
  const ms = typeof v === 'number' ? v * 1000 : typeof v === 'string' ? Date.parse(v) : Number.NaN;
  if (!Number.isFinite(ms)) throw validation(`${key} is not a timestamp`);
  return ms;
}

/** Validates a CreateSchedule/UpdateSchedule body (minus Name) into a schedule, without its fire time. */
export function scheduleFromBody(name: string, body: Record<string, unknown>, now: number): Schedule {
  if (!/^[0-9a-zA-Z\-_.]{1,64}$/.test(name)) throw validation(`invalid schedule name '${name}'`);
  const expression = optString(body, 'ScheduleExpression');
  if (!expression) throw validation('ScheduleExpression is required');
  const timezone = optString(body, 'ScheduleExpressionTimezone') ?? 'UTC';
  if (!isTimeZone(timezone)) throw validation(`invalid ScheduleExpressionTimezone '${timezone}'`);
  let parsed: Expression;
  try {
    parsed = parseExpression(expression);
  } catch (err) {
    throw validation(`invalid ScheduleExpression '${expression}': ${(err as Error).message}`);
  }
  const target = body.Target;
  if (!isRecord(target) || typeof target.Arn !== 'string' || typeof target.RoleArn !== 'string') {
    throw validation('Target with Arn and RoleArn is required');
  }
  if (target.Input !== undefined && typeof target.Input !== 'string') throw validation('Target.Input must be a string');
  const ftw = body.FlexibleTimeWindow;
  if (!isRecord(ftw) || (ftw.Mode !== 'OFF' && ftw.Mode !== 'FLEXIBLE')) {
    throw validation('FlexibleTimeWindow.Mode must be OFF or FLEXIBLE');
  }
  const state = optString(body, 'State') ?? 'ENABLED';
  if (state !== 'ENABLED' && state !== 'DISABLED') throw validation('State must be ENABLED or DISABLED');
  const action = optString(body, 'ActionAfterCompletion') ?? 'NONE';
  if (action !== 'NONE' && action !== 'DELETE') throw validation('ActionAfterCompletion must be NONE or DELETE');
  const startDate = optDate(body, 'StartDate');
  const endDate = optDate(body, 'EndDate');
  if (startDate !== undefined && endDate !== undefined && endDate <= startDate) {
    throw validation('EndDate must be after StartDate');
  }
  return {
    name,
    groupName: optString(body, 'GroupName') ?? DEFAULT_GROUP,
    expression,
    parsed,
    timezone,
    startDate,
    endDate,
    description: optString(body, 'Description'),
    state,
    target: target as Target,
    flexibleTimeWindow: ftw as Schedule['flexibleTimeWindow'],
    actionAfterCompletion: action,
    kmsKeyArn: optString(body, 'KmsKeyArn'),
    clientToken: optString(body, 'ClientToken'),
    creationDate: now,
    lastModificationDate: now,
    nextFireAt: undefined,
  };
}

/** When a freshly created/updated/enabled schedule fires first. */
export function firstFireAt(s: Schedule, now: number): number | undefined {
  if (s.state === 'DISABLED') return undefined;
  let next: number | undefined;
  switch (s.parsed.kind) {
    case 'at':
      // StartDate/EndDate do not apply to one-time schedules (AWS ignores them). A time already past fires at the
      // next tick rather than never: a caller that scheduled "in 1 s" must not lose its timer to a slow request.
      return atInstant(s.parsed.local, s.timezone);
    case 'rate': {
      // AWS: without StartDate a rate schedule starts invoking immediately; with one, it fires first at StartDate
      // and then every period from there.
      const period = s.parsed.periodMs;
      const anchor = s.startDate;
      next = anchor === undefined ? now : anchor + Math.ceil(Math.max(0, now - anchor) / period) * period;
      break;
    }
    case 'cron':
      // `- 1` so that a cron minute equal to "now" (or to StartDate) still counts.
      next = nextCron(s.parsed.cron, s.timezone, Math.max(now, s.startDate ?? now) - 1);
      break;
  }
  return next !== undefined && s.endDate !== undefined && next > s.endDate ? undefined : next;
}

/** The fire time after one that just happened; missed occurrences (clock jumped) are skipped, not replayed. */
export function followingFireAt(s: Schedule, firedAt: number, now: number): number | undefined {
  let next: number | undefined;
  switch (s.parsed.kind) {
    case 'at':
      return undefined;
    case 'rate': {
      const period = s.parsed.periodMs;
      next = firedAt + period;
      if (next <= now) next += Math.ceil((now - next + 1) / period) * period;
      break;
    }
    case 'cron':
      next = nextCron(s.parsed.cron, s.timezone, Math.max(firedAt, now));
      break;
  }
  return next !== undefined && s.endDate !== undefined && next > s.endDate ? undefined : next;
}

export const keyOf = (groupName: string, name: string) => `${groupName}/${name}`;
