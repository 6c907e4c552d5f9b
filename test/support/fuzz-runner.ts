import { Agent, request } from 'node:http';
import fc from 'fast-check';
import WebSocket from 'ws';
import { mapLimit } from '../../functions/domain/concurrency.ts';
import { createLocalIssuer } from '../../lib/local/issuer.ts';
import {
  type Caller,
  encode,
  fuzzTargets,
  type HttpCase,
  httpCaseArb,
  type WsCase,
  wsCaseArb,
} from './fuzz-targets.ts';
import type { RuntimeProcess } from './runtime.ts';

/**
 * Runs generated inputs against a local runtime started by `npm start` (test/support/runtime.ts) and counts what must
 * never happen: an HTTP 5xx (including a refused WebSocket upgrade), a WebSocket frame reporting a server error, a
 * request left without an answer, the runtime process dying.
 */
export interface FuzzOptions {
  readonly seed: number;
  /** Generated requests per HTTP route. */
  readonly httpPerRoute: number;
  /** Generated WebSocket connections (each sends 1–4 frames for random actions). */
  readonly wsConnections: number;
  /** Requests in flight at once. @default 8 */
  readonly concurrency?: number;
  /** The tenant the runtime has seeded (its agents are used as known ids). @default 'demo' */
  readonly tenant?: string;
}

export interface FuzzReport {
  /** HTTP requests + WebSocket upgrades + frames sent. */
  inputs: number;
  http: number;
  wsConnects: number;
  wsFrames: number;
  /** HTTP answers (and WebSocket upgrade refusals) with a 5xx status. */
  status_5xx: number;
  /** WebSocket frames reporting a server error (status ≥ 500 or API Gateway's "Internal server error"). */
  ws_5xx: number;
  /** Requests that got no HTTP answer at all (reset, hang-up). */
  no_answer: number;
  /** 1 if the runtime process died during the run. */
  crashes: number;
  /** Answers by status class, e.g. {"2xx": 120, "4xx": 900}. */
  statuses: Record<string, number>;
  /** The first failures, enough to reproduce each. */
  failures: string[];
}

const FOREIGN_TENANT = 'acme';

async function callerTokens(rt: RuntimeProcess, tenant: string): Promise<Record<Caller, string | undefined>> {
  const forger = await createLocalIssuer(rt.issuer, undefined);
  return {
    agent: await rt.token({ tenant, user: 'alice', role: 'agent', name: 'Alice' }),
    supervisor: await rt.token({ tenant, user: 'sam', role: 'supervisor', name: 'Sam' }),
    admin: await rt.token({ tenant, user: 'ada', role: 'admin', name: 'Ada' }),
    // The deployment's operator (binds Connect instances to tenants): a group, not a tenant role.
    operator: await rt.token({ tenant, user: 'ops', role: 'admin', groups: ['operator'] }),
    'foreign-agent': await rt.token({ tenant: FOREIGN_TENANT, user: 'alice', role: 'agent' }),
    'foreign-admin': await rt.token({ tenant: FOREIGN_TENANT, user: 'root', role: 'admin' }),
    'odd-claims': await rt.token({ tenant: 'constructor', user: 'hasOwnProperty', role: 'admin', name: '__proto__' }),
    none: undefined,
    forged: await forger.sign({ tenant, user: 'ada', role: 'admin' }),
    expired: await rt.token({ tenant, user: 'ada', role: 'admin', ttlSeconds: -120 }),
    garbage: 'abc.def.ghi',
  };
}

/** Generates the cases (deterministic for a seed) and runs them; resolves with the counts. */
export async function runFuzz(rt: RuntimeProcess, options: FuzzOptions): Promise<FuzzReport> {
  const tokens = await callerTokens(rt, options.tenant ?? 'demo');
  const { http, ws } = fuzzTargets();
  const httpCases: HttpCase[] = http.flatMap((target, i) =>
    fc.sample(httpCaseArb(target), { seed: options.seed + i, numRuns: options.httpPerRoute }),
  );
  const wsCases = fc.sample(wsCaseArb(ws), { seed: options.seed, numRuns: options.wsConnections });
  const report: FuzzReport = {
    inputs: 0,
    http: 0,
    wsConnects: 0,
    wsFrames: 0,
    status_5xx: 0,
    ws_5xx: 0,
    no_answer: 0,
    crashes: 0,
    statuses: {},
    failures: [],
  };
  const fail = (line: string) => {
    if (report.failures.length < 50) report.failures.push(line);
  };
  const agent = new Agent({ keepAlive: true, maxSockets: options.concurrency ?? 8 });
  const base = new URL(rt.http);
  const httpJobs: Array<() => Promise<void>> = [
    ...httpCases.map((c) => async () => {
      report.inputs++;
      report.http++;
      const outcome = await sendHttp(agent, base, c, tokens[c.caller]);
      if (outcome.status === undefined) {
        report.no_answer++;
        fail(`no answer: ${describe(c)} (${outcome.error})`);
        return;
      }
      const cls = `${Math.floor(outcome.status / 100)}xx`;
      report.statuses[cls] = (report.statuses[cls] ?? 0) + 1;
      if (outcome.status >= 500) {
        report.status_5xx++;
        fail(`${outcome.status}: ${describe(c)} → ${outcome.body.slice(0, 200)}`);
      }
    }),
  ];
  const wsJobs: Array<() => Promise<void>> = [
    ...wsCases.map((c) => async () => {
      const outcome = await runWsCase(rt.ws, c, tokens[c.caller]);
      report.inputs += 1 + outcome.framesSent;
      report.wsConnects++;
      report.wsFrames += outcome.framesSent;
      if (outcome.refusedWith !== undefined && outcome.refusedWith >= 500) {
        report.status_5xx++;
        fail(`upgrade ${outcome.refusedWith}: ${c.caller} query=${c.query}`);
      }
      for (const frame of outcome.serverErrors) {
        report.ws_5xx++;
        fail(`ws frame: ${c.caller} ${JSON.stringify(c.frames).slice(0, 300)} → ${frame.slice(0, 200)}`);
      }
    }),
  ];
  // Interleave HTTP and WebSocket work rather than run one kind after the other.
  const jobs: Array<() => Promise<void>> = [];
  const every = Math.max(1, Math.floor(httpJobs.length / Math.max(1, wsJobs.length)));
  httpJobs.forEach((job, i) => {
    jobs.push(job);
    const ws = i % every === 0 ? wsJobs.shift() : undefined;
    if (ws) jobs.push(ws);
  });
  jobs.push(...wsJobs);
  await mapLimit(jobs, options.concurrency ?? 8, (job) => job());
  agent.destroy();
  if (!rt.alive()) report.crashes = 1;
  return report;
}

function describe(c: HttpCase): string {
  const body = c.body === undefined ? '' : ` body=${c.body.slice(0, 200)}`;
  return `${c.caller} ${c.target.method} ${c.path.slice(0, 300)} headers=${JSON.stringify(c.headers).slice(0, 200)}${body}`;
}

function sendHttp(
  agent: Agent,
  base: URL,
  c: HttpCase,
  token: string | undefined,
): Promise<{ status?: number; body: string; error?: string }> {
  return new Promise((resolve) => {
    const req = request({
      agent,
      host: base.hostname,
      port: base.port,
      method: c.target.method,
      path: c.path,
      setHost: false,
      timeout: 30_000,
    });
    const headers: Array<readonly [string, string]> = [
      ['content-type', 'application/json'],
      ...(token === undefined ? [] : [['authorization', `Bearer ${token}`] as const]),
      ...c.headers,
    ];
    if (!c.headers.some(([k]) => k === 'host')) headers.push(['host', base.host]);
    for (const [name, value] of headers) {
      try {
        req.setHeader(name, value);
      } catch {
        // A value Node itself refuses to send (control characters) cannot reach a server either.
      }
    }
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', (error) => resolve({ body: '', error: String(error) }));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', (error) => resolve({ body: '', error: String(error) }));
    req.end(c.body);
  });
}

async function runWsCase(
  url: string,
  c: WsCase,
  token: string | undefined,
): Promise<{ framesSent: number; refusedWith?: number; serverErrors: string[] }> {
  const target = `${url}/?${token === undefined ? '' : `token=${encode(token)}`}${c.query}`;
  const socket = new WebSocket(target);
  const received: string[] = [];
  socket.on('message', (data) => received.push(String(data)));
  const opened = await new Promise<{ ok: true } | { ok: false; status?: number }>((resolve) => {
    socket.once('open', () => resolve({ ok: true }));
    socket.once('unexpected-response', (_req, res) => {
      res.resume();
      resolve({ ok: false, status: res.statusCode ?? 0 });
    });
    socket.once('error', () => resolve({ ok: false }));
  });
  if (!opened.ok) {
    socket.terminate();
    return { framesSent: 0, ...(opened.status === undefined ? {} : { refusedWith: opened.status }), serverErrors: [] };
  }
  for (const frame of c.frames) socket.send(frame);
  // Each frame gets one reply (a result or an error frame); wait for as many, or for a quiet second.
  const deadline = Date.now() + 10_000;
  let seen = -1;
  let quietSince = Date.now();
  while (received.length < c.frames.length && Date.now() < deadline && socket.readyState === WebSocket.OPEN) {
    if (received.length !== seen) {
      seen = received.length;
      quietSince = Date.now();
    } else if (Date.now() - quietSince > 3000) break;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  socket.terminate();
  const serverErrors = received.filter((text) => {
    try {
      const frame = JSON.parse(text) as { status?: unknown; message?: unknown };
      return (typeof frame.status === 'number' && frame.status >= 500) || frame.message === 'Internal server error';
    } catch {
      return true; // the server only ever sends JSON
    }
  });
  return { framesSent: c.frames.length, serverErrors };
}
