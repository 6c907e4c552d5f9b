import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { isTimeZone, type LocalDateTime, localParts, localToInstant } from '../../functions/domain/zoned-time.ts';
import { guardEmulator } from './emulator-guard.ts';
import { BadJsonBody, closeServer, listen, readJsonObject, sendJson } from './http-util.ts';
import { invoke, type LambdaHandler } from './lambda.ts';

/**
 * A local stand-in for the EventBridge Scheduler API: the subset of restJson1 operations that
 * `@aws-sdk/client-scheduler` sends for schedules (not schedule groups or tags), plus a clock-driven firing loop that
 * invokes local Lambda handlers. Schedules live in memory: the local runtime re-defines the deploy-time schedules at
 * every start, and runtime-created one-time schedules are short-lived.
 */

export type EmulatorLog = (level: 'info' | 'warn' | 'error', message: string, data?: Record<string, unknown>) => void;

export interface SchedulerEmulatorOptions {
  port: number;
  /** @default '127.0.0.1' */
  host?: string;
  /** Maps a schedule target ARN to the local handler that stands for it (and its timeout, as deployed). */
  resolveTarget: (arn: string) => { name: string; handler: LambdaHandler; timeoutMs?: number } | undefined;
  /** ms epoch. @default Date.now */
  clock?: { now(): number };
  /** How often due schedules are checked; `0` turns the timer off (tests drive `tick()` themselves). @default 1000 */
  tickMs?: number;
  /** Pause between local retries of a failed invocation. @default 200 */
  retryDelayMs?: number;
  /** Region used in the ARNs the emulator returns. @default 'us-east-1' */
  region?: string;
  log?: EmulatorLog;
}

export interface ScheduleSummaryView {
  name: string;
  groupName: string;
  expression: string;
  nextFireAt: number | undefined;
  state: string;
}

export interface SchedulerEmulator {
  readonly endpoint: string;
  /** Registers a schedule defined at deploy time (CDK), same semantics as CreateSchedule (throws on a bad definition). */
  define(input: {
    name: string;
    groupName?: string;
    expression: string;
    timezone?: string;
    targetArn: string;
    input?: string;
  }): void;
  /** Fires every schedule due at clock.now(). Resolves when the invocations finish, with how many schedules fired. */
  tick(): Promise<number>;
  list(): ScheduleSummaryView[];
  close(): Promise<void>;
}

const MINUTE = 60_000;
const HOUR = 3_600_000;
const DAY = 86_400_000;
const ACCOUNT = '000000000000';
const DEFAULT_GROUP = 'default';
/** AWS retries a failed Lambda target up to 185 times over 24 h; locally a few quick retries show the failure sooner. */
const LOCAL_RETRY_CAP = 3;

// ---------------------------------------------------------------------------------------------------------------
// Schedule expressions
// ---------------------------------------------------------------------------------------------------------------

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

type Expression =
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

function parseExpression(expression: string): Expression {
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

function atInstant(local: LocalDateTime, timeZone: string): number {
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

function nextCron(cron: CronSpec, timeZone: string, afterMs: number): number | undefined {
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

// ---------------------------------------------------------------------------------------------------------------
// Schedules
// ---------------------------------------------------------------------------------------------------------------

interface Target {
  Arn: string;
  RoleArn: string;
  Input?: string;
  RetryPolicy?: { MaximumRetryAttempts?: number; MaximumEventAgeInSeconds?: number };
  [key: string]: unknown;
}

interface Schedule {
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

class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly type: string,
    message: string,
  ) {
    super(message);
  }
}

const validation = (message: string) => new ApiError(400, 'ValidationException', message);

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
function scheduleFromBody(name: string, body: Record<string, unknown>, now: number): Schedule {
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
function firstFireAt(s: Schedule, now: number): number | undefined {
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
function followingFireAt(s: Schedule, firedAt: number, now: number): number | undefined {
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

const keyOf = (groupName: string, name: string) => `${groupName}/${name}`;

export async function startSchedulerEmulator(opts: SchedulerEmulatorOptions): Promise<SchedulerEmulator> {
  const clock = opts.clock ?? { now: () => Date.now() };
  const region = opts.region ?? 'us-east-1';
  const retryDelayMs = opts.retryDelayMs ?? 200;
  const log: EmulatorLog =
    opts.log ??
    ((level, message, data) =>
      console[level === 'info' ? 'log' : level](`[scheduler] ${message}`, data ? JSON.stringify(data) : ''));
  const schedules = new Map<string, Schedule>();
  const inFlight = new Set<Promise<unknown>>();

  const arnOf = (s: { groupName: string; name: string }) =>
    `arn:aws:scheduler:${region}:${ACCOUNT}:schedule/${s.groupName}/${s.name}`;

  function find(groupName: string, name: string): Schedule {
    const s = schedules.get(keyOf(groupName, name));
    if (!s) throw new ApiError(404, 'ResourceNotFoundException', `Schedule ${name} does not exist.`);
    return s;
  }

  function create(name: string, body: Record<string, unknown>): Schedule {
    const now = clock.now();
    const s = scheduleFromBody(name, body, now);
    const existing = schedules.get(keyOf(s.groupName, name));
    if (existing) {
      // An SDK retry of a create that did succeed carries the same ClientToken: answer as the first call did.
      if (s.clientToken !== undefined && existing.clientToken === s.clientToken) return existing;
      throw new ApiError(409, 'ConflictException', `Schedule ${name} already exists.`);
    }
    s.nextFireAt = firstFireAt(s, now);
    schedules.set(keyOf(s.groupName, name), s);
    log('info', 'schedule created', { name, groupName: s.groupName, expression: s.expression, at: s.nextFireAt });
    return s;
  }

  function update(name: string, body: Record<string, unknown>): Schedule {
    const now = clock.now();
    const s = scheduleFromBody(name, body, now);
    // UpdateSchedule replaces the whole definition; only the creation date survives.
    const existing = find(s.groupName, name);
    s.creationDate = existing.creationDate;
    s.nextFireAt = firstFireAt(s, now);
    schedules.set(keyOf(s.groupName, name), s);
    return s;
  }

  function remove(groupName: string, name: string): void {
    find(groupName, name);
    schedules.delete(keyOf(groupName, name));
  }

  function describe(s: Schedule): Record<string, unknown> {
    const seconds = (ms: number | undefined) => (ms === undefined ? undefined : ms / 1000);
    return {
      Arn: arnOf(s),
      GroupName: s.groupName,
      Name: s.name,
      ScheduleExpression: s.expression,
      ScheduleExpressionTimezone: s.timezone,
      StartDate: seconds(s.startDate),
      EndDate: seconds(s.endDate),
      Description: s.description,
      State: s.state,
      CreationDate: seconds(s.creationDate),
      LastModificationDate: seconds(s.lastModificationDate),
      KmsKeyArn: s.kmsKeyArn,
      Target: s.target,
      FlexibleTimeWindow: s.flexibleTimeWindow,
      ActionAfterCompletion: s.actionAfterCompletion,
    };
  }

  function listSchedules(query: URLSearchParams): Record<string, unknown> {
    const group = query.get('ScheduleGroup');
    const prefix = query.get('NamePrefix') ?? '';
    const state = query.get('State');
    const maxText = query.get('MaxResults');
    const max = maxText === null ? 100 : Number(maxText);
    if (!Number.isInteger(max) || max < 1 || max > 100) throw validation('MaxResults must be 1-100');
    const token = query.get('NextToken');
    // The token is the key of the last schedule returned, so pages stay consistent while schedules come and go.
    const after = token === null ? undefined : Buffer.from(token, 'base64url').toString('utf8');
    const matching = [...schedules.entries()]
      .filter(([key, s]) => {
        if (group !== null && s.groupName !== group) return false;
        if (!s.name.startsWith(prefix)) return false;
        if (state !== null && s.state !== state) return false;
        return after === undefined || key > after;
      })
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    const page = matching.slice(0, max);
    const last = page.at(-1);
    return {
      Schedules: page.map(([, s]) => ({
        Arn: arnOf(s),
        Name: s.name,
        GroupName: s.groupName,
        State: s.state,
        CreationDate: s.creationDate / 1000,
        LastModificationDate: s.lastModificationDate / 1000,
        Target: { Arn: s.target.Arn },
      })),
      NextToken: matching.length > max && last ? Buffer.from(last[0], 'utf8').toString('base64url') : undefined,
    };
  }

  async function route(method: string, url: URL, body: Record<string, unknown>): Promise<Record<string, unknown>> {
    if (url.pathname === '/schedules' && method === 'GET') return listSchedules(url.searchParams);
    const m = /^\/schedules\/([^/]+)$/.exec(url.pathname);
    if (!m?.[1]) throw new ApiError(404, 'UnknownOperationException', `${method} ${url.pathname} is not emulated`);
    const name = decodeURIComponent(m[1]);
    const group = url.searchParams.get('groupName') ?? DEFAULT_GROUP;
    switch (method) {
      case 'POST':
        return { ScheduleArn: arnOf(create(name, body)) };
      case 'PUT':
        return { ScheduleArn: arnOf(update(name, body)) };
      case 'GET':
        return describe(find(group, name));
      case 'DELETE':
        remove(group, name);
        return {};
      default:
        throw new ApiError(404, 'UnknownOperationException', `${method} ${url.pathname} is not emulated`);
    }
  }

  async function onRequest(req: IncomingMessage, res: ServerResponse): Promise<void> {
    try {
      const body = await readJsonObject(req).catch((error: unknown) => {
        throw error instanceof BadJsonBody ? validation(error.message) : error;
      });
      const url = new URL(req.url ?? '/', 'http://localhost');
      sendJson(res, 200, await route(req.method ?? 'GET', url, body));
    } catch (err) {
      if (err instanceof ApiError) {
        sendJson(res, err.status, { Message: err.message }, err.type);
      } else {
        log('error', 'internal error', { error: String(err) });
        sendJson(res, 500, { Message: 'internal error' }, 'InternalServerException');
      }
    }
  }

  // Aborted on close: running invocations see no time left (see lambdaContext), so close() does not wait minutes.
  const closing = new AbortController();

  async function deliver(s: Schedule, scheduledAt: number): Promise<boolean> {
    const target = opts.resolveTarget(s.target.Arn);
    if (!target) {
      log('error', 'schedule target has no local handler', { schedule: s.name, arn: s.target.Arn });
      return false;
    }
    let event: unknown = {};
    if (s.target.Input !== undefined) {
      try {
        // The Lambda target receives the Input string as the invocation payload, i.e. the parsed JSON as the event.
        event = JSON.parse(s.target.Input);
      } catch {
        log('error', 'schedule Input is not JSON; Lambda would reject the invocation', { schedule: s.name });
        return false;
      }
    }
    const retries = Math.min(s.target.RetryPolicy?.MaximumRetryAttempts ?? 185, LOCAL_RETRY_CAP);
    for (let attempt = 0; ; attempt++) {
      try {
        await invoke(target.name, target.handler, event, target.timeoutMs, closing.signal);
        return true;
      } catch (err) {
        if (attempt >= retries) {
          log('error', 'schedule target failed; giving up', {
            schedule: s.name,
            function: target.name,
            attempts: attempt + 1,
            scheduledAt: new Date(scheduledAt).toISOString(),
            error: err instanceof Error ? err.message : String(err),
          });
          return true;
        }
        log('warn', 'schedule target failed; retrying', { schedule: s.name, function: target.name, attempt });
        await new Promise((r) => setTimeout(r, retryDelayMs * (attempt + 1)));
      }
    }
  }

  async function tick(): Promise<number> {
    const now = clock.now();
    const jobs: Promise<boolean>[] = [];
    for (const [key, s] of schedules) {
      if (s.state !== 'ENABLED' || s.nextFireAt === undefined || s.nextFireAt > now) continue;
      const firedAt = s.nextFireAt;
      // Advance (or delete) before invoking, so an overlapping tick cannot fire the same occurrence twice.
      s.nextFireAt = followingFireAt(s, firedAt, now);
      if (s.nextFireAt === undefined && s.actionAfterCompletion === 'DELETE') schedules.delete(key);
      const job = deliver({ ...s, target: { ...s.target } }, firedAt);
      inFlight.add(job);
      void job.finally(() => inFlight.delete(job));
      jobs.push(job);
    }
    const results = await Promise.all(jobs);
    return results.filter(Boolean).length;
  }

  const server = createServer((req, res) => void onRequest(req, res));
  guardEmulator(server);
  const host = opts.host ?? '127.0.0.1';
  const endpoint = `http://${host}:${await listen(server, opts.port, host)}`;

  const tickMs = opts.tickMs ?? 1000;
  const timer =
    tickMs > 0
      ? setInterval(() => {
          tick().catch((err: unknown) => log('error', 'tick failed', { error: String(err) }));
        }, tickMs)
      : undefined;
  timer?.unref();

  return {
    endpoint,
    define(input) {
      create(input.name, {
        GroupName: input.groupName,
        ScheduleExpression: input.expression,
        ScheduleExpressionTimezone: input.timezone,
        // Deploy-time schedules get their role from CDK; the emulator never checks it.
        Target: { Arn: input.targetArn, RoleArn: `arn:aws:iam::${ACCOUNT}:role/local-scheduler`, Input: input.input },
        FlexibleTimeWindow: { Mode: 'OFF' },
      });
    },
    tick,
    list() {
      return [...schedules.values()].map((s) => ({
        name: s.name,
        groupName: s.groupName,
        expression: s.expression,
        nextFireAt: s.nextFireAt,
        state: s.state,
      }));
    },
    async close() {
      if (timer) clearInterval(timer);
      closing.abort();
      await closeServer(server);
      await Promise.allSettled([...inFlight]);
    },
  };
}
