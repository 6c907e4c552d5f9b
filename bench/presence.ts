/**
 * presence: agents change status while supervisors watch the tenant status feed, at several change rates in one run
 * (default 40 and 200 changes/s): the latency from an agent's change to each supervisor socket (p50/p99/max), the
 * `setStatus` reply, errors, and how many @connections posts a change costs. Goals: change → supervisor p99 ≤ 300 ms,
 * 0 errors, `setStatus` reply p99 ≤ 100 ms at both rates; `posts_per_change` far below the supervisor count.
 *
 * `npm start`'s runtime in a child process (SEED=none); every client in the swarm's child processes. Supervisors send
 * `subscribeStatus`; then, per rate, agents send `setStatus` in waves (each agent once per wave, spread evenly over
 * the wave). The controller records the time of each change (Date.now(): one clock for every process of this
 * machine); for every status event a supervisor receives (inside a `feed` frame) about agent X, latency = arrival −
 * the time of X's latest change to that status. `posts_per_change` = frames pushed to anyone (supervisors' `feed`
 * frames and any `status` push to an agent) / changes — the posts the @connections API served for the feed. Each agent
 * has one connection, the one it changes its status on: its reply carries the change, so nothing is pushed back to it
 * (`own_echoes`, expected 0; a second tab of the agent would be pushed the change).
 *
 * Per phase, the runtime's outgoing requests per change by function and operation (`requests_per_change`: DynamoDB,
 * Kinesis, Lambda Invoke, @connections, Connect), tallied in the runtime's process (bench/_request-tally.mjs, fed by
 * bench/_request-probe.ts in the functions' threads). And, from /proc: the CPU time the runtime's process and dynalite's spent per change (`runtime_cpu_ms_per_change`,
 * `dynalite_cpu_ms_per_change`), which other load on the machine does not distort. After the phases, in the same run,
 * the `limit`: the irreducible work of a change (the commit's TransactWriteItems and one PutRecord on the feed, bare
 * SDK clients, no handler: bench/_store-limit.ts) closed-loop at `--limit-concurrency` for `--limit-seconds` —
 * `store_limit_changes_per_s` is what the local stores sustain at all on this machine.
 *
 * Args: --agents N (1000), --supervisors N (50), --rates 40,200 (changes/s, one phase each), --waves N (1 per rate),
 *       --processes N (2 swarm processes), --limit-concurrency N (32), --limit-seconds N (10). `errors` counts error frames, setStatus answered "Internal server error"
 *       (local 10 s timeout), status events never received by a supervisor and replies never received.
 */

import { readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LOCAL_CONNECT_INSTANCE_ARN } from '../lib/local/runtime.ts';
import { type RuntimeProcess, startRuntimeProcess } from '../test/support/runtime.ts';
import { storeLimit } from './_store-limit.ts';
import { percentile, type ReceivedFrame, Swarm } from './_swarm.ts';
import { cpuOfTree } from './alerts.ts';

const TENANT = 'bench';
const TICK_MS = 20;

function option(args: string[], name: string, fallback: number): number {
  const i = args.indexOf(`--${name}`);
  const value = i >= 0 ? Number(args[i + 1]) : fallback;
  if (!Number.isInteger(value) || value <= 0) throw new Error(`--${name} must be a positive integer`);
  return value;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const agentName = (i: number) => `agent-${String(i).padStart(4, '0')}`;
const supervisorName = (i: number) => `sup-${String(i).padStart(2, '0')}`;

/** Every wave changes every agent's status: busy/away on even waves, available on odd ones (always a real change). */
function target(agent: number, wave: number): 'busy' | 'away' | 'available' {
  if (wave % 2 === 1) return 'available';
  return (agent + wave / 2) % 2 === 0 ? 'busy' : 'away';
}

interface Change {
  readonly status: string;
  readonly at: number;
}

/** Latency figures of a list of samples (ms). */
function stats(samples: readonly number[]) {
  const sorted = [...samples].sort((a, b) => a - b);
  return {
    count: sorted.length,
    p50: percentile(sorted, 50),
    p90: percentile(sorted, 90),
    p99: percentile(sorted, 99),
    max: sorted.at(-1) ?? Number.NaN,
  };
}

function rateList(args: string[]): number[] {
  const i = args.indexOf('--rates');
  const raw = i >= 0 ? String(args[i + 1]) : '40,200';
  const rates = raw.split(',').map(Number);
  if (rates.length === 0 || rates.some((r) => !Number.isFinite(r) || r <= 0))
    throw new Error('--rates must be a comma-separated list of positive changes/s, e.g. 40,200');
  return rates;
}

/** What one rate's phase observed. */
class Phase {
  readonly changes = new Map<string, Change[]>();
  readonly pushLatency: number[] = [];
  /** `status` pushes an agent got about its own change on the connection that made it (the reply carries it). */
  ownEchoes = 0;
  readonly replyLatency: number[] = [];
  /** Per change (agent + index): arrivals at supervisors, to see how a change's fan-out spreads over time. */
  readonly fanOut = new Map<string, { first: number; last: number; count: number }>();
  received = 0;
  /** `feed` frames at supervisors and own `status` frames at agents: one @connections post each. */
  posts = 0;
  feedFrames = 0;
  /** Feed events that match no measured change, per status (warm-up leftovers, auto-Offline). */
  readonly unmatched = new Map<string, number>();
  errors = 0;
  failedFrames = 0;
  sent = 0;

  latest(agent: string, status: string, at: number) {
    const list = this.changes.get(agent) ?? [];
    for (let i = list.length - 1; i >= 0; i--) {
      const c = list[i];
      if (c && c.status === status && c.at <= at) return { change: c, index: i };
    }
    return undefined;
  }
}

/**
 * CPU ms per change of the runtime's process, of its main thread (the emulators'), of its busiest other thread (the
 * functions': lib/local/function-host.ts) and of dynalite (its child) between two /proc readings. One of the two
 * threads saturates first.
 */
function cpuPerChange(
  runtimePid: number,
  before: ReturnType<typeof cpuOfTree>,
  after: ReturnType<typeof cpuOfTree>,
  changes: number,
): {
  runtime_cpu_ms_per_change?: number;
  runtime_main_thread_cpu_ms_per_change?: number;
  runtime_busiest_other_thread_cpu_ms_per_change?: number;
  dynalite_cpu_ms_per_change?: number;
} {
  if (!before || !after || changes === 0) return {};
  const per = (ms: number) => Math.round((ms / changes) * 100) / 100;
  const main = String(runtimePid);
  const others = Object.entries(after.threads).filter(([tid]) => tid !== main);
  const busiest = Math.max(0, ...others.map(([tid, ms]) => ms - (before.threads[tid] ?? 0)));
  return {
    runtime_cpu_ms_per_change: per(after.runtime - before.runtime),
    runtime_main_thread_cpu_ms_per_change: per((after.threads[main] ?? 0) - (before.threads[main] ?? 0)),
    runtime_busiest_other_thread_cpu_ms_per_change: per(busiest),
    dynalite_cpu_ms_per_change: per(after.children - before.children),
  };
}

/** The runtime's request tally now: "<function> <operation>" → n (bench/_request-tally.mjs writes it on SIGUSR2). */
async function readTally(pid: number, file: string): Promise<Record<string, number>> {
  rmSync(file, { force: true });
  process.kill(pid, 'SIGUSR2');
  for (let waited = 0; waited < 2_000; waited += 20) {
    try {
      return JSON.parse(readFileSync(file, 'utf8')) as Record<string, number>;
    } catch {
      await sleep(20); // not written yet, or half-written
    }
  }
  return {};
}

/**
 * Requests per change between two tallies: the total, DynamoDB's alone, and each function's operations (those under
 * 0.005 per change left out), largest first.
 */
function requestsPerChange(before: Record<string, number>, after: Record<string, number>, changes: number) {
  const per = (n: number) => Math.round((n / changes) * 1000) / 1000;
  const delta = Object.entries(after)
    .map(([key, n]) => [key, n - (before[key] ?? 0)] as const)
    .filter(([, n]) => n > 0);
  const sum = (entries: ReadonlyArray<readonly [string, number]>) => entries.reduce((a, [, n]) => a + n, 0);
  return {
    requests_per_change: per(sum(delta)),
    ddb_requests_per_change: per(sum(delta.filter(([key]) => key.includes(' DynamoDB.')))),
    requests_by_operation: Object.fromEntries(
      delta
        .map(([key, n]) => [key, per(n)] as const)
        .filter(([, n]) => n >= 0.005)
        .sort((a, b) => b[1] - a[1]),
    ),
  };
}

export async function run(args: string[]): Promise<Record<string, unknown>> {
  const agentCount = option(args, 'agents', 1000);
  const supervisorCount = option(args, 'supervisors', 50);
  const waves = option(args, 'waves', 1);
  const processes = option(args, 'processes', 2);
  const rates = rateList(args);
  const limitConcurrency = option(args, 'limit-concurrency', 32);
  const limitSeconds = option(args, 'limit-seconds', 10);

  const agents = Array.from({ length: agentCount }, (_, i) => agentName(i + 1));
  const supervisors = Array.from({ length: supervisorCount }, (_, i) => supervisorName(i + 1));
  const isSupervisor = new Set(supervisors);

  let phase: Phase | undefined;
  let subscribed = 0;
  /** Feed events supervisors received outside the phases (the warm-up's). */
  let warmEvents = 0;
  let lastProgress = Date.now();

  const onStatusEvent = (p: Phase, user: string, at: number, e: { agent?: unknown; status?: unknown }) => {
    if (typeof e.agent !== 'string' || typeof e.status !== 'string') return;
    const match = p.latest(e.agent, e.status, at);
    if (!match) {
      if (isSupervisor.has(user)) p.unmatched.set(e.status, (p.unmatched.get(e.status) ?? 0) + 1);
      return;
    }
    const ms = at - match.change.at;
    if (isSupervisor.has(user)) {
      p.received++;
      lastProgress = Date.now();
      p.pushLatency.push(ms);
      const key = `${e.agent}#${match.index}`;
      const spread = p.fanOut.get(key);
      if (spread) {
        spread.first = Math.min(spread.first, ms);
        spread.last = Math.max(spread.last, ms);
        spread.count++;
      } else p.fanOut.set(key, { first: ms, last: ms, count: 1 });
    } else if (user === e.agent) p.ownEchoes++;
  };

  const onFrame = (frame: ReceivedFrame) => {
    let f: { type?: string; agent?: string; status?: unknown; events?: unknown; message?: string };
    try {
      f = JSON.parse(frame.text) as typeof f;
    } catch {
      return;
    }
    if (f.type === 'status-subscribed') subscribed++;
    const p = phase;
    if (!p) {
      if (f.type === 'feed' && Array.isArray(f.events) && isSupervisor.has(frame.user)) warmEvents += f.events.length;
      return;
    }
    if (f.type === 'error') p.errors++;
    // The gateway's answer when the integration failed, e.g. a handler past its (local: 10 s) timeout.
    else if (f.type === undefined && f.message === 'Internal server error') p.failedFrames++;
    else if (f.type === 'feed' && Array.isArray(f.events)) {
      p.posts++;
      if (isSupervisor.has(frame.user)) p.feedFrames++;
      for (const e of f.events as Array<{ type?: string; agent?: unknown; status?: unknown }>)
        if (e.type === 'status') onStatusEvent(p, frame.user, frame.at, e);
    } else if (f.type === 'status') {
      p.posts++;
      onStatusEvent(p, frame.user, frame.at, f);
    } else if (f.type === 'status-set' && !isSupervisor.has(frame.user)) {
      const status = (f.status as { status?: string } | undefined)?.status;
      const match = status ? p.latest(frame.user, status, frame.at) : undefined;
      if (match) p.replyLatency.push(frame.at - match.change.at);
      lastProgress = Date.now();
    }
  };

  let rt: RuntimeProcess | undefined;
  let swarm: Swarm | undefined;
  let keepAlive: NodeJS.Timeout | undefined;
  const tally = join(tmpdir(), `bench-presence-requests-${process.pid}.json`);
  try {
    const t0 = Date.now();
    // The request tally: the probe in the functions' threads, the tally in the runtime's main thread.
    process.env.FUNCTION_HOST_IMPORTS = new URL('./_request-probe.ts', import.meta.url).href;
    process.env.RUNTIME_NODE_ARGS = [
      process.env.RUNTIME_NODE_ARGS ?? '',
      `--import ${new URL('./_request-tally.mjs', import.meta.url).href}`,
    ].join(' ');
    rt = await startRuntimeProcess({ SEED: 'none', LOG_LEVEL: 'error', REQUEST_TALLY_FILE: tally });
    const runtime = rt;
    // The tenant has the local Connect instance bound (as an operator binds it), so every change also queues
    // PutUserStatus and starts the instance's worker, as in a deployment with Connect.
    const operator = await runtime.token({
      tenant: 'ops',
      user: 'bench-operator',
      role: 'agent',
      groups: ['operator'],
    });
    const bound = await fetch(`${runtime.http}/operator/tenants/${TENANT}/connect-instance`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${operator}`, 'content-type': 'application/json' },
      body: JSON.stringify({ instanceArn: LOCAL_CONNECT_INSTANCE_ARN }),
    });
    if (!bound.ok) throw new Error(`Binding the Connect instance failed: ${bound.status} ${await bound.text()}`);
    swarm = await Swarm.start(processes, onFrame);
    const clients = await Promise.all([
      ...supervisors.map(async (user) => ({
        user,
        token: await runtime.token({ tenant: TENANT, user, role: 'supervisor' }),
      })),
      ...agents.map(async (user) => ({ user, token: await runtime.token({ tenant: TENANT, user, role: 'agent' }) })),
    ]);
    const connected = await swarm.connect(rt.ws, clients, 50);
    process.stdout.write(
      `presence: runtime up, ${connected.connected} clients connected (${connected.failed} failed) in ${((Date.now() - t0) / 1000).toFixed(1)} s over ${processes} processes\n`,
    );
    if (connected.failed > 0) throw new Error(`${connected.failed} clients could not connect`);

    await swarm.send(supervisors, { action: 'subscribeStatus' });
    const subDeadline = Date.now() + 20_000;
    while (subscribed < supervisorCount && Date.now() < subDeadline) await sleep(50);
    if (subscribed < supervisorCount) throw new Error(`only ${subscribed}/${supervisorCount} supervisors subscribed`);

    // Warm-up outside the measurement: a few agents change and change back (first invocations, caches, sockets).
    const warm = agents.slice(0, 20);
    await swarm.send(warm, { action: 'setStatus', status: 'away' });
    await sleep(1000);
    await swarm.send(warm, { action: 'setStatus', status: 'available' });
    // Until every supervisor has both warm-up changes (or 30 s): a late one would count in the first phase.
    const warmDeadline = Date.now() + 30_000;
    while (warmEvents < 2 * warm.length * supervisorCount && Date.now() < warmDeadline) await sleep(100);
    await sleep(500);
    // …and they start the measured waves from `available` like the others start from `offline`: both are changes.

    // Clients ping as real ones do (≥ every 30 s): the runtime sets agents silent for the inactivity window Offline.
    const everyone = [...supervisors, ...agents];
    keepAlive = setInterval(() => void swarm?.send(everyone, { action: 'ping' }), 25_000);
    const cases: Record<string, unknown>[] = [];
    let wave = 0;
    for (const rate of rates) {
      const p = new Phase();
      phase = p;
      const interval = 1000 / rate;
      process.stdout.write(
        `  rate ${rate} changes/s: ${supervisorCount} supervisors subscribed; ${waves} wave(s), each of ${agentCount} agents changes once per wave (${((agentCount * interval) / 1000).toFixed(1)} s per wave)\n`,
      );
      const tStart = Date.now();
      const cpuStart = cpuOfTree(runtime.pid);
      const tallyStart = await readTally(runtime.pid, tally);
      for (let w = 0; w < waves; w++, wave++) {
        // A fixed shuffle per wave so that neighbours in the list do not always change together.
        const order = agents.map((a, i) => ({ a, i, k: (i * 7919 + wave * 104729) % agentCount }));
        order.sort((x, y) => x.k - y.k);
        const waveStart = Date.now();
        let next = 0;
        while (next < order.length) {
          // Change k is due at waveStart + k × interval; every tick sends what is due (an even pace at any rate).
          const now = Date.now();
          const due = Math.min(order.length, Math.floor((now - waveStart) / interval) + 1);
          if (due <= next) {
            await sleep(Math.min(TICK_MS, Math.max(1, waveStart + next * interval - now)));
            continue;
          }
          const byStatus = new Map<string, string[]>();
          for (const { a, i } of order.slice(next, due)) {
            const status = target(i, wave);
            byStatus.set(status, [...(byStatus.get(status) ?? []), a]);
          }
          next = due;
          const sends: Promise<void>[] = [];
          for (const [status, users] of byStatus) {
            const at = Date.now();
            for (const u of users) p.changes.set(u, [...(p.changes.get(u) ?? []), { status, at }]);
            sends.push(swarm.send(users, { action: 'setStatus', status }));
            p.sent += users.length;
          }
          await Promise.all(sends);
        }
        process.stdout.write(
          `    wave ${w + 1}/${waves} sent in ${((Date.now() - waveStart) / 1000).toFixed(1)} s; supervisor events so far ${p.received}/${p.sent * supervisorCount}\n`,
        );
      }
      const sendMs = Date.now() - tStart;

      // Drain: until every event and reply arrived, nothing arrived for 5 s, or 120 s passed.
      const expected = p.sent * supervisorCount;
      const drainDeadline = Date.now() + 120_000;
      lastProgress = Date.now();
      while (
        (p.received < expected || p.replyLatency.length + p.failedFrames < p.sent) &&
        Date.now() - lastProgress < 5_000 &&
        Date.now() < drainDeadline
      ) {
        await sleep(100);
      }
      // Late stragglers of this phase (auto-Offline, …) must not count in the next one.
      await sleep(500);
      phase = undefined;
      const allMs = Date.now() - tStart;
      const cpu = cpuPerChange(runtime.pid, cpuStart, cpuOfTree(runtime.pid), p.sent);
      const requests = requestsPerChange(tallyStart, await readTally(runtime.pid, tally), p.sent);

      const push = stats(p.pushLatency);
      const reply = stats(p.replyLatency);
      const spreads = [...p.fanOut.values()];
      const first = stats(spreads.map((x) => x.first));
      const fanSpan = stats(spreads.map((x) => x.last - x.first));
      const round = (n: number) => Math.round(n);
      const missing = Math.max(0, expected - p.received);
      const noReply = Math.max(0, p.sent - p.replyLatency.length - p.failedFrames);
      const errors = p.errors + p.failedFrames + missing + noReply;
      const postsPerChange = p.sent > 0 ? p.posts / p.sent : Number.NaN;
      const met = (ok: boolean) => (ok ? 'met' : 'MISSED');
      process.stdout.write(
        [
          `    ${p.sent} changes sent in ${(sendMs / 1000).toFixed(1)} s (${round(p.sent / (sendMs / 1000))}/s); all in after ${(allMs / 1000).toFixed(1)} s`,
          `    supervisor events: ${p.received}/${expected} received in ${p.feedFrames} feed frames (other feed events: ${JSON.stringify(Object.fromEntries(p.unmatched))}); errors ${errors} (${p.errors} error frames, ${p.failedFrames} 'Internal server error', ${missing} events missing, ${noReply} replies missing) (goal 0, ${met(errors === 0)})`,
          `    change → supervisor socket:  p50 ${push.p50} ms  p90 ${push.p90} ms  p99 ${push.p99} ms  max ${push.max} ms  (goal p99 ≤ 300 ms, ${met(push.p99 <= 300)})`,
          `    change → first supervisor:   p50 ${first.p50} ms  p99 ${first.p99} ms; first → last supervisor of a change: p50 ${fanSpan.p50} ms  p99 ${fanSpan.p99} ms`,
          `    echoes of a change to the connection that made it: ${p.ownEchoes} (expected 0: the reply carries it)`,
          `    change → status-set reply:   p50 ${reply.p50} ms  p99 ${reply.p99} ms  (${reply.count}; goal p99 ≤ 100 ms, ${met(reply.p99 <= 100)})`,
          `    @connections posts per change: ${postsPerChange.toFixed(2)} (${p.posts} posts; one per supervisor per change would be ${supervisorCount + 1})`,
          `    CPU per change: runtime ${cpu.runtime_cpu_ms_per_change} ms (main thread ${cpu.runtime_main_thread_cpu_ms_per_change} ms, busiest other ${cpu.runtime_busiest_other_thread_cpu_ms_per_change} ms), dynalite ${cpu.dynalite_cpu_ms_per_change} ms`,
          `    requests per change: ${requests.requests_per_change} (DynamoDB ${requests.ddb_requests_per_change}): ${Object.entries(
            requests.requests_by_operation,
          )
            .map(([key, n]) => `${key} ${n}`)
            .join(', ')}`,
          '',
        ].join('\n'),
      );
      cases.push({
        rate,
        changes: p.sent,
        changes_per_s: round(p.sent / (sendMs / 1000)),
        expected_events: expected,
        received_events: p.received,
        feed_frames: p.feedFrames,
        p50_ms: push.p50,
        p99_ms: push.p99,
        max_ms: push.max,
        first_push_p99_ms: first.p99,
        fanout_span_p99_ms: fanSpan.p99,
        own_echoes: p.ownEchoes,
        reply_p50_ms: reply.p50,
        reply_p99_ms: reply.p99,
        posts_per_change: Math.round(postsPerChange * 100) / 100,
        errors,
        error_frames: p.errors,
        internal_errors: p.failedFrames,
        unmatched_events: [...p.unmatched.values()].reduce((a, b) => a + b, 0),
        ...cpu,
        ...requests,
      });
    }

    // The limit: the same stores, bare clients, nothing of ours on the request path (the swarm stays connected).
    const cpuBefore = cpuOfTree(runtime.pid);
    const limit = await storeLimit(runtime, { concurrency: limitConcurrency, seconds: limitSeconds });
    const limitCpu = cpuPerChange(runtime.pid, cpuBefore, cpuOfTree(runtime.pid), limit.changes);
    process.stdout.write(
      `  limit (commit transaction + feed PutRecord, bare SDK clients, ${limit.concurrency} in flight, ${limit.seconds} s): ${limit.changes_per_s} changes/s (${limit.changes} changes, ${limit.errors} errors); CPU per change: runtime (kinesalite, feed consumer) ${limitCpu.runtime_cpu_ms_per_change} ms, dynalite ${limitCpu.dynalite_cpu_ms_per_change} ms\n`,
    );
    return {
      agents: agentCount,
      supervisors: supervisorCount,
      cases,
      store_limit_changes_per_s: limit.changes_per_s,
      limit: { ...limit, ...limitCpu },
    };
  } finally {
    rmSync(tally, { force: true });
    clearInterval(keepAlive);
    await swarm?.close();
    const code = await rt?.stop();
    if (code !== 0 && code !== undefined && rt) process.stderr.write(`runtime exited with ${code}\n${rt.output()}`);
  }
}
