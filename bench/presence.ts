/**
 * presence: agents change status while supervisors watch the tenant status feed; the push latency from an agent's
 * change to each supervisor socket (p50/p99/max). Target: p99 ≤ 150 ms on this machine.
 *
 * `npm start`'s runtime in a child process (SEED=none); every client in the swarm's child processes. Supervisors send
 * `subscribeStatus`; then agents send `setStatus` in waves (each agent once per wave, spread evenly over the wave).
 * The controller records the time of each change (Date.now(): one clock for every process of this machine); for every
 * `status` frame a supervisor receives about agent X, latency = arrival − the time of X's latest change to that
 * status. Also measured: the `status-set` reply to the agent (it is sent after every push of the change is done)
 * and the agent's own `status` push.
 *
 * Args: --agents N (1000), --supervisors N (50), --waves N (1), --wave-ms N (25000: length of a wave),
 *       --processes N (2 swarm processes). The default pace, 40 changes/s (2,000 feed pushes/s), is several times a
 *       busy floor's (1,000 agents changing status every few minutes is 5–15 changes/s). Past ≈ 2,000–2,500
 *       @connections posts/s the single local runtime process saturates: `--waves 2 --wave-ms 5000` (200 changes/s)
 *       shows that knee. `internal_errors` counts setStatus answered "Internal server error" (local 10 s timeout).
 */

import { LOCAL_CONNECT_INSTANCE_ARN } from '../lib/local/runtime.ts';
import { type RuntimeProcess, startRuntimeProcess } from '../test/support/runtime.ts';
import { percentile, type ReceivedFrame, Swarm } from './_swarm.ts';

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

export async function run(args: string[]): Promise<Record<string, unknown>> {
  const agentCount = option(args, 'agents', 1000);
  const supervisorCount = option(args, 'supervisors', 50);
  const waves = option(args, 'waves', 1);
  const waveMs = option(args, 'wave-ms', 25000);
  const processes = option(args, 'processes', 2);

  const agents = Array.from({ length: agentCount }, (_, i) => agentName(i + 1));
  const supervisors = Array.from({ length: supervisorCount }, (_, i) => supervisorName(i + 1));
  const isSupervisor = new Set(supervisors);

  /** Changes per agent, in the order they were sent. */
  const changes = new Map<string, Change[]>();
  let measuring = false;
  const pushLatency: number[] = [];
  const ownPushLatency: number[] = [];
  const replyLatency: number[] = [];
  /** Per change (agent + index): arrivals at supervisors, to see how a change's fan-out spreads over time. */
  const fanOut = new Map<string, { first: number; last: number; count: number }>();
  let received = 0;
  /** Feed frames that match no measured change, per status (warm-up leftovers, auto-Offline). */
  const unmatched = new Map<string, number>();
  let errors = 0;
  let failedFrames = 0;
  let subscribed = 0;
  let lastProgress = Date.now();

  const latest = (agent: string, status: string, at: number) => {
    const list = changes.get(agent) ?? [];
    for (let i = list.length - 1; i >= 0; i--) {
      const c = list[i];
      if (c && c.status === status && c.at <= at) return { change: c, index: i };
    }
    return undefined;
  };

  const onFrame = (frame: ReceivedFrame) => {
    let f: { type?: string; agent?: string; status?: unknown; code?: string };
    try {
      f = JSON.parse(frame.text) as typeof f;
    } catch {
      return;
    }
    if (f.type === 'status-subscribed') subscribed++;
    else if (f.type === 'error') errors++;
    // The gateway's answer when the integration failed, e.g. a handler past its (local: 10 s) timeout.
    else if (f.type === undefined && (f as { message?: string }).message === 'Internal server error') failedFrames++;
    if (!measuring) return;
    if (f.type === 'status' && typeof f.agent === 'string' && typeof f.status === 'string') {
      const match = latest(f.agent, f.status, frame.at);
      if (!match) {
        if (isSupervisor.has(frame.user)) unmatched.set(f.status, (unmatched.get(f.status) ?? 0) + 1);
        return;
      }
      const ms = frame.at - match.change.at;
      if (isSupervisor.has(frame.user)) {
        received++;
        lastProgress = Date.now();
        pushLatency.push(ms);
        const key = `${f.agent}#${match.index}`;
        const spread = fanOut.get(key);
        if (spread) {
          spread.first = Math.min(spread.first, ms);
          spread.last = Math.max(spread.last, ms);
          spread.count++;
        } else fanOut.set(key, { first: ms, last: ms, count: 1 });
      } else if (frame.user === f.agent) ownPushLatency.push(ms);
    } else if (f.type === 'status-set' && !isSupervisor.has(frame.user)) {
      const status = (f.status as { status?: string } | undefined)?.status;
      const match = status ? latest(frame.user, status, frame.at) : undefined;
      if (match) replyLatency.push(frame.at - match.change.at);
      lastProgress = Date.now();
    }
  };

  let rt: RuntimeProcess | undefined;
  let swarm: Swarm | undefined;
  let keepAlive: NodeJS.Timeout | undefined;
  try {
    const t0 = Date.now();
    rt = await startRuntimeProcess({ SEED: 'none', LOG_LEVEL: 'error' });
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
    await sleep(1000);
    // …and they start the measured waves from `available` like the others start from `offline`: both are changes.

    const interval = waveMs / agentCount;
    const rate = 1000 / interval;
    process.stdout.write(
      `  ${supervisorCount} supervisors subscribed; ${waves} wave(s): each of ${agentCount} agents changes once per wave, spread over ${(waveMs / 1000).toFixed(1)} s (${Math.round(rate)} changes/s, ${Math.round(rate * supervisorCount)} feed pushes/s)\n`,
    );
    // Clients ping as real ones do (≥ every 30 s): the runtime sets agents silent for the inactivity window Offline.
    const everyone = [...supervisors, ...agents];
    keepAlive = setInterval(() => void swarm?.send(everyone, { action: 'ping' }), 25_000);
    measuring = true;
    let sent = 0;
    const tStart = Date.now();
    for (let w = 0; w < waves; w++) {
      // A fixed shuffle per wave so that neighbours in the list do not always change together.
      const order = agents.map((a, i) => ({ a, i, k: (i * 7919 + w * 104729) % agentCount }));
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
          const status = target(i, w);
          byStatus.set(status, [...(byStatus.get(status) ?? []), a]);
        }
        next = due;
        const sends: Promise<void>[] = [];
        for (const [status, users] of byStatus) {
          const at = Date.now();
          for (const u of users) changes.set(u, [...(changes.get(u) ?? []), { status, at }]);
          sends.push(swarm.send(users, { action: 'setStatus', status }));
          sent += users.length;
        }
        await Promise.all(sends);
      }
      process.stdout.write(
        `  wave ${w + 1}/${waves} sent in ${((Date.now() - waveStart) / 1000).toFixed(1)} s; supervisor pushes so far ${received}/${sent * supervisorCount}\n`,
      );
    }
    const sendMs = Date.now() - tStart;

    // Drain: until every push and reply arrived, nothing arrived for 5 s, or 120 s passed. (Replies come last: the
    // setStatus handler answers once every push of its change is posted.)
    const expected = sent * supervisorCount;
    const drainDeadline = Date.now() + 120_000;
    lastProgress = Date.now();
    while (
      (received < expected || replyLatency.length + failedFrames < sent) &&
      Date.now() - lastProgress < 5_000 &&
      Date.now() < drainDeadline
    ) {
      await sleep(100);
    }
    const allMs = Date.now() - tStart;
    measuring = false;

    const push = stats(pushLatency);
    const own = stats(ownPushLatency);
    const reply = stats(replyLatency);
    const spreads = [...fanOut.values()];
    const first = stats(spreads.map((s) => s.first));
    const fanSpan = stats(spreads.map((s) => s.last - s.first));
    const round = (n: number) => Math.round(n);
    process.stdout.write(
      [
        `  ${sent} changes sent in ${(sendMs / 1000).toFixed(1)} s (${round(sent / (sendMs / 1000))}/s); all pushes in after ${(allMs / 1000).toFixed(1)} s`,
        `  supervisor pushes: ${received}/${expected} received (other feed frames: ${JSON.stringify(Object.fromEntries(unmatched))}; ${errors} error frames; ${failedFrames} setStatus answered 'Internal server error')`,
        `  change → supervisor socket:  p50 ${push.p50} ms  p90 ${push.p90} ms  p99 ${push.p99} ms  max ${push.max} ms  (target p99 ≤ 150 ms${push.p99 <= 150 ? ', met' : ', MISSED'})`,
        `  change → first supervisor:   p50 ${first.p50} ms  p99 ${first.p99} ms; first → last supervisor of a change: p50 ${fanSpan.p50} ms  p99 ${fanSpan.p99} ms`,
        `  change → agent's own push:   p50 ${own.p50} ms  p99 ${own.p99} ms  (${own.count})`,
        `  change → status-set reply:   p50 ${reply.p50} ms  p99 ${reply.p99} ms  (${reply.count}; sent after all pushes of the change)`,
        '',
      ].join('\n'),
    );
    return {
      agents: agentCount,
      changes: sent,
      supervisors: supervisorCount,
      changes_per_s: round(sent / (sendMs / 1000)),
      expected_pushes: expected,
      received_pushes: received,
      p50_ms: push.p50,
      p99_ms: push.p99,
      max_ms: push.max,
      first_push_p50_ms: first.p50,
      first_push_p99_ms: first.p99,
      fanout_span_p99_ms: fanSpan.p99,
      own_push_p99_ms: own.p99,
      reply_p50_ms: reply.p50,
      reply_p99_ms: reply.p99,
      unmatched_frames: [...unmatched.values()].reduce((a, b) => a + b, 0),
      error_frames: errors,
      internal_errors: failedFrames,
    };
  } finally {
    clearInterval(keepAlive);
    await swarm?.close();
    const code = await rt?.stop();
    if (code !== 0 && code !== undefined && rt) process.stderr.write(`runtime exited with ${code}\n${rt.output()}`);
  }
}
