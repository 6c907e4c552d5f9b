import { readFile, writeFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { guardEmulator } from './emulator-guard.ts';
import {
  BadJsonBody,
  closeServer,
  listen,
  RestJsonError,
  readJsonObject,
  sendJson,
  sendRestJsonError,
} from './http-util.ts';
import { invoke, type LambdaHandler } from './lambda.ts';
import { consoleLog, LOCAL_ACCOUNT, type LocalLog } from './local-aws.ts';
import {
  DEFAULT_GROUP,
  firstFireAt,
  followingFireAt,
  keyOf,
  type Schedule,
  scheduleFromBody,
  validation,
} from './schedule-definition.ts';

/**
 * A local stand-in for the EventBridge Scheduler API: the subset of restJson1 operations that
 * `@aws-sdk/client-scheduler` sends for schedules (not schedule groups or tags), plus a clock-driven firing loop that
 * invokes local Lambda handlers. Schedules live in memory: the local runtime re-defines the deploy-time schedules at
 * every start; schedules created through the API are also saved to `stateFile` when one is given.
 */

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
  /**
   * A JSON file that keeps the schedules created through the API (e.g. tenants' heartbeat schedules) across restarts,
   * as EventBridge keeps them; `define()`d ones are re-defined at every start and not saved. @default none (memory)
   */
  stateFile?: string;
  log?: LocalLog;
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

/** AWS retries a failed Lambda target up to 185 times over 24 h; locally a few quick retries show the failure sooner. */
const LOCAL_RETRY_CAP = 3;

export async function startSchedulerEmulator(opts: SchedulerEmulatorOptions): Promise<SchedulerEmulator> {
  const clock = opts.clock ?? { now: () => Date.now() };
  const region = opts.region ?? 'us-east-1';
  const retryDelayMs = opts.retryDelayMs ?? 200;
  const log = opts.log ?? consoleLog('scheduler');
  const schedules = new Map<string, Schedule>();
  const inFlight = new Set<Promise<unknown>>();

  const arnOf = (s: { groupName: string; name: string }) =>
    `arn:aws:scheduler:${region}:${LOCAL_ACCOUNT}:schedule/${s.groupName}/${s.name}`;

  function find(groupName: string, name: string): Schedule {
    const s = schedules.get(keyOf(groupName, name));
    if (!s) throw new RestJsonError(404, 'ResourceNotFoundException', `Schedule ${name} does not exist.`);
    return s;
  }

  function create(name: string, body: Record<string, unknown>): Schedule {
    const now = clock.now();
    const s = scheduleFromBody(name, body, now);
    const existing = schedules.get(keyOf(s.groupName, name));
    if (existing) {
      // An SDK retry of a create that did succeed carries the same ClientToken: answer as the first call did.
      if (s.clientToken !== undefined && existing.clientToken === s.clientToken) return existing;
      throw new RestJsonError(409, 'ConflictException', `Schedule ${name} already exists.`);
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

  // Schedules created through the API, by key, with the request that made them (replayed at the next start).
  const saved = new Map<string, { name: string; body: Record<string, unknown> }>();
  let writing: Promise<void> = Promise.resolve();
  const persist = () => {
    const file = opts.stateFile;
    if (!file) return;
    const data = JSON.stringify([...saved.values()]);
    writing = writing
      .then(() => writeFile(file, data))
      .catch((err: unknown) => log('error', 'could not save schedules', { error: String(err) }));
  };
  if (opts.stateFile) {
    const text = await readFile(opts.stateFile, 'utf8').catch(() => undefined);
    for (const entry of text ? (JSON.parse(text) as Array<{ name: string; body: Record<string, unknown> }>) : []) {
      try {
        const s = create(entry.name, entry.body);
        saved.set(keyOf(s.groupName, s.name), entry);
      } catch (err) {
        log('warn', 'saved schedule not restored', { name: entry.name, error: String(err) });
      }
    }
  }

  async function route(method: string, url: URL, body: Record<string, unknown>): Promise<Record<string, unknown>> {
    if (url.pathname === '/schedules' && method === 'GET') return listSchedules(url.searchParams);
    const m = /^\/schedules\/([^/]+)$/.exec(url.pathname);
    if (!m?.[1]) throw new RestJsonError(404, 'UnknownOperationException', `${method} ${url.pathname} is not emulated`);
    const name = decodeURIComponent(m[1]);
    const group = url.searchParams.get('groupName') ?? DEFAULT_GROUP;
    switch (method) {
      case 'POST':
      case 'PUT': {
        const s = method === 'POST' ? create(name, body) : update(name, body);
        saved.set(keyOf(s.groupName, name), { name, body });
        persist();
        return { ScheduleArn: arnOf(s) };
      }
      case 'GET':
        return describe(find(group, name));
      case 'DELETE':
        remove(group, name);
        if (saved.delete(keyOf(group, name))) persist();
        return {};
      default:
        throw new RestJsonError(404, 'UnknownOperationException', `${method} ${url.pathname} is not emulated`);
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
      sendRestJsonError(res, err, log, 'InternalServerException');
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
      if (s.nextFireAt === undefined && s.actionAfterCompletion === 'DELETE') {
        schedules.delete(key);
        if (saved.delete(key)) persist();
      }
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
        Target: {
          Arn: input.targetArn,
          RoleArn: `arn:aws:iam::${LOCAL_ACCOUNT}:role/local-scheduler`,
          Input: input.input,
        },
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
      await writing;
    },
  };
}
