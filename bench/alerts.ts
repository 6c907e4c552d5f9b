/**
 * alerts: telemetry into alerts, three measurements in one run.
 *
 * (1) engine — the rule engine alone (`evaluate` on per-second samples, 1,000 agents, calls degrading and recovering):
 *     `engine_samples_per_s`.
 * (2) handler — the stream processor's handler on Kinesis-shaped batches of 500 records (base64, JSON, zod, samples,
 *     MOS, rules) with in-memory ports: `handler_samples_per_s`, next to the bare decode of the same records
 *     (base64 + JSON.parse + schema): `decode_samples_per_s`. A sample is one second of one agent's telemetry (both
 *     softphone streams and a CPU/memory reading); a record carries 5 of them. Goal: ≥ 200,000 samples/s on one core
 *     and ≥ 60 % of the decode rate.
 * (3) detect — through `npm start` (child process, clients in swarm processes): 1,000 agents on calls (Connect agent
 *     events written to kinesalite) each sample once a second and send a frame every `--cadence` seconds; each
 *     agent's call degrades at a staggered time for 20 s. Latency = the `alert` frame's arrival on the agent's socket − the moment
 *     the frame completing the breach (the 16th bad second) was sent: p50/p99. Goal: p99 ≤ 1 s. Then, in the same run,
 *     the limit (bench/alerts-detect-limit.ts): bare PutRecords of the same records into the same Kinesis.
 *
 *     Every agent sends only at its own cadence, to the end: no final flush of every agent at once (that was 1,000
 *     frames in one second, 5 × the stated rate, and it alone made the late alerts of earlier rounds); the phase is
 *     long enough for every breach (the last completes at second 44) to be sent in a regular frame.
 *
 * Args: --agents N (1000), --seconds N (50: length of the streaming phase), --cadence N (5: seconds of samples per
 *       frame, the README's recommended cadence; 1 = a frame per sample), --processes N (2), --skip-runtime (1 and 2
 *       only), --detect-only (3 only).
 */

import { readdirSync, readFileSync } from 'node:fs';
import {
  GetRecordsCommand,
  GetShardIteratorCommand,
  KinesisClient,
  ListShardsCommand,
  PutRecordsCommand,
} from '@aws-sdk/client-kinesis';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import type { Context } from 'aws-lambda';
import { decodeTelemetry, telemetryConsumer } from '../functions/adapters/inbound/telemetry-consumer.ts';
import { createSdkClient } from '../functions/adapters/sdk-client.ts';
import { emptyState, evaluate, type Finding, type Thresholds, type Windows } from '../functions/domain/alerts/rules.ts';
import type { Sample } from '../functions/domain/alerts/samples.ts';
import { alertSettingsSchema } from '../functions/domain/alerts/schemas.ts';
import { agentEvent } from '../test/support/agent-events.ts';
import { alertHarness } from '../test/support/alerts-memory.ts';
import type { RuntimeProcess } from '../test/support/runtime.ts';
import { kinesisEvent, kinesisRecord, secondOfStats, telemetryRecord } from '../test/support/telemetry.ts';
import { api, log, startBenchRuntime } from './_setup.ts';
import { percentile, type ReceivedFrame, Swarm } from './_swarm.ts';
import { detectLimit } from './alerts-detect-limit.ts';

/**
 * CPU time (ms) the runtime's process and, separately, its child processes (dynalite) have used so far, from /proc:
 * what a frame costs the runtime, whatever else loads the machine. `threads`: the runtime's per thread (by thread id),
 * to see whether one thread — the emulators' or the functions' (lib/local/function-host.ts) — is the bottleneck.
 * Undefined where /proc is missing.
 */
export function cpuOfTree(
  pid: number,
): { runtime: number; children: number; threads: Record<string, number> } | undefined {
  const ticks = (path: string) => {
    const stat = readFileSync(path, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(f[11]) + Number(f[12])) * 1000) / 100; // utime + stime, in clock ticks of 10 ms
  };
  const cpu = (p: number) => ticks(`/proc/${p}/stat`);
  const childrenOf = (p: number): number[] =>
    readdirSync(`/proc/${p}/task`).flatMap((t) =>
      readFileSync(`/proc/${p}/task/${t}/children`, 'utf8').split(' ').filter(Boolean).map(Number),
    );
  try {
    const descendants: number[] = [];
    for (let queue = childrenOf(pid); queue.length > 0; ) {
      const c = queue.shift() as number;
      descendants.push(c);
      queue.push(...childrenOf(c));
    }
    const threads = Object.fromEntries(
      readdirSync(`/proc/${pid}/task`).map((t) => [t, ticks(`/proc/${pid}/task/${t}/stat`)] as const),
    );
    return { runtime: cpu(pid), children: descendants.reduce((n, c) => n + cpu(c), 0), threads };
  } catch {
    return undefined;
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const T0 = Date.parse('2026-03-02T10:00:00Z');
const INSTANCE_ID = 'be0c4a11-1111-4222-8333-444455556666';
const INSTANCE = `arn:aws:connect:us-east-1:000000000000:instance/${INSTANCE_ID}`;

function option(args: string[], name: string, fallback: number): number {
  const i = args.indexOf(`--${name}`);
  const value = i >= 0 ? Number(args[i + 1]) : fallback;
  if (!Number.isInteger(value) || value <= 0) throw new Error(`--${name} must be a positive integer`);
  return value;
}

/** Runs `fn` repeatedly for about `ms` and returns units per second (`fn` returns how many units it did). */
function rate(ms: number, fn: () => number): number {
  for (let i = 0; i < 3; i++) fn(); // warm-up: JIT, caches
  let units = 0;
  const start = process.hrtime.bigint();
  let elapsed = 0;
  while (elapsed < ms) {
    units += fn();
    elapsed = Number(process.hrtime.bigint() - start) / 1e6;
  }
  return (units / elapsed) * 1000;
}

/**
 * A call that degrades for 20 of every 120 seconds (MOS ≈ 2.9) and is fine otherwise — far worse than a real floor,
 * so that breaches, raises and evidence updates are part of what is measured, not an afterthought.
 */
const mosAt = (agent: number, second: number) => ((second + agent) % 120 < 20 ? 2.9 : 4.3);

function engineBench(): number {
  const config: Thresholds = alertSettingsSchema.parse({});
  const agents = 1000;
  const seconds = 120;
  const batches: Sample[][] = Array.from({ length: agents }, (_, a) =>
    Array.from({ length: seconds }, (_, s) => ({
      t: T0 + s * 1000,
      mos: mosAt(a, s),
      lossPercent: 1,
      rttMs: 50,
      jitterMs: 5,
      cpuPercent: 40,
      memoryAvailablePercent: 50,
    })),
  );
  const out: Finding[] = [];
  return rate(3000, () => {
    for (let a = 0; a < agents; a++) {
      const state = emptyState();
      const windows: Windows = {};
      evaluate(state, windows, batches[a] ?? [], `c-${a}`, config, out);
    }
    out.length = 0;
    return agents * seconds;
  });
}

const SECONDS_PER_RECORD = 5;

/** 500 records of 100 agents, 5 seconds each (both streams + a system reading per second), as the ingest writes them. */
function handlerRecords(round: number) {
  return Array.from({ length: 500 }, (_, i) => {
    const agent = i % 100;
    const first = T0 + (round * 5 + Math.floor(i / 100)) * SECONDS_PER_RECORD * 1000;
    const stats: Record<string, unknown>[] = [];
    const system: Record<string, unknown>[] = [];
    for (let s = 0; s < SECONDS_PER_RECORD; s++) {
      const t = first + s * 1000;
      const second = (t - T0) / 1000;
      stats.push(...secondOfStats(t, { lossPercent: mosAt(agent, second) < 3.5 ? 20 : 0.5 }));
      system.push({ timestamp: t, cpuUsedPercent: 35, memoryTotal: 8e9, memoryAvailable: 3e9 });
    }
    return kinesisRecord(telemetryRecord('bench', `agent-${agent}`, { contactId: `c-${agent}`, stats, system }));
  });
}

/**
 * The handler and the bare decode of the same records (the same exported decode, the same schema), measured in
 * alternating passes so that load from other processes weighs on both alike; each figure is its total units over its
 * total CPU time (one core's rate, whatever else runs on the machine).
 */
async function handlerBench(): Promise<{ handler: number; decode: number; ratio: number }> {
  const rounds = 24; // 10 minutes of every agent's telemetry (24 batches of 25 s), replayed round by round
  const events = Array.from({ length: rounds }, (_, r) => kinesisEvent(handlerRecords(r)));
  const samplesPerPass = events.length * 500 * SECONDS_PER_RECORD;
  const decodePass = () => {
    for (const e of events) for (const r of e.Records) if (!decodeTelemetry(r).ok) throw new Error('bad record');
  };
  let raised = 0;
  const handlerPass = async () => {
    // A fresh state per pass over the 10 minutes: replaying them would be late samples, skipped almost for free.
    const h = alertHarness();
    for (let a = 0; a < 100; a++) h.statuses.set('bench', `agent-${a}`, 'available');
    const handler = telemetryConsumer(h.deps);
    const context = {} as Context;
    for (const e of events) {
      const res = await handler(e, context);
      if (res.batchItemFailures.length > 0) throw new Error('handler failed records');
    }
    raised = h.alerts.items.size;
  };
  for (let i = 0; i < 3; i++) {
    decodePass(); // warm-up: JIT, caches
    await handlerPass();
  }
  // CPU time of this process (µs) rather than wall time: on a shared machine a pass that is preempted for a while
  // would otherwise count the other processes' work as its own. Both passes are timed the same way.
  const cpu = () => {
    const u = process.cpuUsage();
    return u.user + u.system;
  };
  let decodeUs = 0;
  let handlerUs = 0;
  let passes = 0;
  const started = performance.now();
  while (performance.now() - started < 8000) {
    let t = cpu();
    decodePass();
    decodeUs += cpu() - t;
    t = cpu();
    await handlerPass();
    handlerUs += cpu() - t;
    passes++;
  }
  if (raised === 0) throw new Error('the handler bench raised no alert: it measured nothing real');
  const decode = (passes * samplesPerPass * 1e6) / decodeUs;
  const handler = (passes * samplesPerPass * 1e6) / handlerUs;
  return { handler, decode, ratio: handler / decode };
}

async function detectBench(args: string[]) {
  const agentCount = option(args, 'agents', 1000);
  const seconds = option(args, 'seconds', 50);
  const processes = option(args, 'processes', 2);
  const cadence = option(args, 'cadence', 5);
  const agents = Array.from({ length: agentCount }, (_, i) => `agent-${String(i).padStart(4, '0')}`);
  /** When the frame completing each agent's breach was sent. */
  const completedAt = new Map<string, number>();
  const latencies: number[] = [];
  const alertCount = new Map<string, number>();
  let errors = 0;
  /** Telemetry replies: every frame answered (or errored) = nothing left queued in the runtime. */
  let replies = 0;
  /** Error frames by code (or message), to tell what went wrong without a second run. */
  const errorKinds = new Map<string, number>();
  /** When the reply to the frame completing each agent's breach came (the ingest function answered). */
  const ackedAt = new Map<string, number>();
  /** When the processor raised each agent's alert (the alert's `updatedAt`: taken just before its write). */
  const raisedAt = new Map<string, number>();
  /** When each agent's first alert frame arrived, and the epoch ms of the second that completed its breach. */
  const alertAt = new Map<string, number>();
  const completingSecond = new Map<string, number>();
  const onFrame = (frame: ReceivedFrame) => {
    if (frame.text.startsWith('{"type":"telemetry"')) {
      replies++;
      const sent = completedAt.get(frame.user);
      // Each agent sends a frame every `cadence` seconds: the first reply after the completing frame is its reply.
      if (sent !== undefined && frame.at >= sent && !ackedAt.has(frame.user)) ackedAt.set(frame.user, frame.at);
      return;
    }
    const f = JSON.parse(frame.text) as {
      type?: string;
      code?: string;
      message?: string;
      alert?: { updatedAt?: string };
    };
    if (f.type === 'error' || (f.type === undefined && f.message)) {
      errors++;
      const kind = f.code ?? f.message ?? 'unknown';
      errorKinds.set(kind, (errorKinds.get(kind) ?? 0) + 1);
    }
    if (f.type !== 'alert') return;
    alertCount.set(frame.user, (alertCount.get(frame.user) ?? 0) + 1);
    const sent = completedAt.get(frame.user);
    if (sent !== undefined && alertCount.get(frame.user) === 1) {
      latencies.push(frame.at - sent);
      alertAt.set(frame.user, frame.at);
      if (f.alert?.updatedAt) raisedAt.set(frame.user, Date.parse(f.alert.updatedAt));
    }
  };

  let rt: RuntimeProcess | undefined;
  let swarm: Swarm | undefined;
  let kinesis: KinesisClient | undefined;
  let keepAlive: NodeJS.Timeout | undefined;
  try {
    rt = await startBenchRuntime({ CONNECT_INSTANCES: INSTANCE_ID });
    const runtime = rt;
    // The operator binds the deployment's instance to the tenant: Connect's agent events then gate the alerts.
    const operator = await rt.token({ tenant: 'ops', user: 'bench-operator', role: 'agent', groups: ['operator'] });
    const bound = await api(rt, operator, 'PUT', '/operator/tenants/bench/connect-instance', { instanceArn: INSTANCE });
    if (bound.status !== 200) throw new Error(`Binding the Connect instance failed: ${bound.status}`);
    kinesis = new KinesisClient({
      endpoint: rt.kinesis,
      region: 'us-east-1',
      credentials: { accessKeyId: 'x', secretAccessKey: 'y' },
      requestHandler: new NodeHttpHandler(),
    });
    // Every agent logs in and takes a call (Connect agent events into kinesalite).
    const start = Date.now() - 60_000;
    const events = agents.flatMap((user, i) => [
      agentEvent({ instanceArn: INSTANCE, user, type: 'LOGIN', at: new Date(start + i) }),
      agentEvent({
        instanceArn: INSTANCE,
        user,
        type: 'STATE_CHANGE',
        at: new Date(start + 10_000 + i),
        contacts: [{ id: `c-${user}`, state: 'CONNECTED' }],
      }),
    ]);
    for (let i = 0; i < events.length; i += 500) {
      await kinesis.send(
        new PutRecordsCommand({
          StreamName: 'agent-events',
          Records: events
            .slice(i, i + 500)
            .map((r) => ({ Data: Buffer.from(JSON.stringify(r)), PartitionKey: String(r.AgentARN) })),
        }),
      );
    }
    const sup = await rt.token({ tenant: 'bench', user: 'bench-sup', role: 'supervisor' });
    const inCall = async () => {
      let n = 0;
      let cursor: string | undefined;
      do {
        const res = await api(
          runtime,
          sup,
          'GET',
          `/status/agents?status=in-call&limit=200${cursor ? `&cursor=${cursor}` : ''}`,
        );
        n += (res.body.items as unknown[] | undefined)?.length ?? 0;
        cursor = res.body.cursor as string | undefined;
      } while (cursor);
      return n;
    };
    const deadline = Date.now() + 120_000;
    let on = await inCall();
    while (on < agentCount && Date.now() < deadline) {
      await sleep(1000);
      on = await inCall();
    }
    log(`alerts: ${on}/${agentCount} agents in a call (Connect agent events applied)`);

    swarm = await Swarm.start(processes, onFrame);
    const clients = await Promise.all(
      agents.map(async (user) => ({
        user,
        token: await runtime.token({ tenant: 'bench', user, role: 'agent', ttlSeconds: 3600 }),
      })),
    );
    const connected = await swarm.connect(rt.ws, clients, 50);
    if (connected.failed > 0) throw new Error(`${connected.failed} clients could not connect`);
    // Every agent pings every 20 s at its own phase, as independent widgets do (its connect was its first sign of
    // life): 1/20 of the agents each second, not all 1,000 in one burst (which alone held the runtime for seconds).
    let pingTick = 0;
    keepAlive = setInterval(() => {
      const phase = pingTick++ % 20;
      void swarm?.send(
        agents.filter((_, i) => i % 20 === phase),
        { action: 'ping' },
      );
    }, 1000);

    // Agent i degrades from second 5 + (i mod 25) for 20 s: breaches complete over 25 s, ≈ 40 per second. Every agent
    // samples once a second and sends every `cadence` seconds the samples since its last frame (phases staggered).
    const degradeFrom = (i: number) => 5 + (i % 25);
    const isBad = (i: number, second: number) => second >= degradeFrom(i) && second < degradeFrom(i) + 20;
    const slices = 20;
    const base = Math.floor(Date.now() / 1000) * 1000;
    log(
      `  streaming: ${agentCount} agents × 1 sample/s, one frame per ${cadence} s each (${Math.round(agentCount / cadence)} frames/s), for ${seconds} s`,
    );
    // What the runtime burns with every agent connected and nothing streamed (pollers, timers), for comparison.
    const idleStart = cpuOfTree(rt.pid);
    await sleep(5000);
    const idleEnd = cpuOfTree(rt.pid);
    const tStart = Date.now();
    const cpuStart = cpuOfTree(rt.pid);
    let sent = 0;
    for (let s = 0; s < seconds; s++) {
      for (let slice = 0; slice < slices; slice++) {
        const due = tStart + s * 1000 + (slice * 1000) / slices;
        const wait = due - Date.now();
        if (wait > 0) await sleep(wait);
        // Agents sending now, grouped by the frame they send (the same seconds, good or bad alike).
        const frames = new Map<string, { users: string[]; stats: Record<string, unknown>[] }>();
        const now = Date.now();
        for (let i = slice; i < agentCount; i += slices) {
          if ((s + i) % cadence !== cadence - 1) continue;
          const from = Math.max(0, s - cadence + 1);
          const pattern = Array.from({ length: s - from + 1 }, (_, k) => (isBad(i, from + k) ? 1 : 0));
          const key = `${from}:${pattern.join('')}`;
          let frame = frames.get(key);
          if (!frame) {
            frame = {
              users: [],
              stats: pattern.flatMap((bad, k) =>
                secondOfStats(base + (from + k) * 1000, { lossPercent: bad ? 20 : 0 }),
              ),
            };
            frames.set(key, frame);
          }
          const user = agents[i] as string;
          frame.users.push(user);
          const completing = degradeFrom(i) + 15;
          if (!completedAt.has(user) && completing <= s && completing >= from) {
            completedAt.set(user, now);
            completingSecond.set(user, base + completing * 1000);
          }
        }
        for (const f of frames.values()) sent += f.users.length;
        await Promise.all(
          [...frames.values()].map((f) => swarm?.send(f.users, { action: 'telemetry', stats: f.stats })),
        );
      }
    }
    const cpuEnd = cpuOfTree(runtime.pid);
    const streamedMs = Date.now() - tStart;
    // Breaches whose alert has not come by the end of streaming get 30 s more: arriving then is late, not lost.
    const settle = Date.now() + 30_000;
    while (latencies.length < completedAt.size && Date.now() < settle) await sleep(200);
    const missed = [...completedAt.keys()].filter((u) => !alertCount.has(u));
    if (missed.length > 0) {
      log(`  no alert for: ${missed.slice(0, 20).join(', ')}${missed.length > 20 ? ', …' : ''}`);
      log(
        `  runtime errors:\n${rt
          .output()
          .split('\n')
          .filter((l) => /error|warn/i.test(l))
          .slice(-15)
          .join('\n')}`,
      );
    }
    const stored = await storedAt(kinesis, completingSecond);
    // The limit, in the same run, once the runtime has settled (every frame answered, up to 60 s more: a backlog
    // still being ingested would count as the store's CPU): bare PutRecords of the same records, same Kinesis.
    const drained = Date.now() + 60_000;
    while (replies + errors < sent && Date.now() < drained) await sleep(200);
    const unanswered = Math.max(0, sent - replies - errors);
    // Configured like the producer (sdk-client.ts).
    const producer = createSdkClient(KinesisClient, {
      endpoint: rt.kinesis,
      region: 'us-east-1',
      credentials: { accessKeyId: 'x', secretAccessKey: 'y' },
      requestHandler: new NodeHttpHandler(),
    });
    const limit = await detectLimit({
      client: producer,
      runtimeCpu: () => cpuOfTree(runtime.pid)?.runtime,
      agents,
      cadence,
    }).finally(() => producer.destroy());
    const stages = stageTimes({ completedAt, ackedAt, stored, raisedAt, alertAt });
    const sorted = [...latencies].sort((a, b) => a - b);
    const duplicates = [...alertCount.values()].filter((n) => n > 1).length;
    return {
      agents: agentCount,
      cadence_s: cadence,
      breaches: completedAt.size,
      // Every agent's call degrades once: each should be alerted exactly once.
      alerted: [...completedAt.keys()].filter((u) => alertCount.has(u)).length,
      late: latencies.filter((ms) => ms > 1000).length,
      lost: missed.length,
      agents_with_duplicate_alerts: duplicates,
      detect_p50_ms: percentile(sorted, 50),
      detect_p99_ms: percentile(sorted, 99),
      detect_max_ms: sorted.at(-1) ?? Number.NaN,
      stages_ms: stages,
      frames_sent: sent,
      // CPU of the runtime while streaming (its own process; dynalite's apart), per frame and as a share of one core.
      runtime_cpu_ms_per_frame:
        cpuStart && cpuEnd ? Number(((cpuEnd.runtime - cpuStart.runtime) / sent).toFixed(2)) : null,
      runtime_cpu_share:
        cpuStart && cpuEnd ? Number(((cpuEnd.runtime - cpuStart.runtime) / streamedMs).toFixed(2)) : null,
      runtime_idle_cpu_share:
        idleStart && idleEnd ? Number(((idleEnd.runtime - idleStart.runtime) / 5000).toFixed(2)) : null,
      dynalite_cpu_share:
        cpuStart && cpuEnd ? Number(((cpuEnd.children - cpuStart.children) / streamedMs).toFixed(2)) : null,
      frame_errors: errors,
      frame_error_kinds: Object.fromEntries(errorKinds),
      ...limit,
      // Frames still unanswered when the limit started: its store CPU then includes their ingest.
      unanswered_before_limit: unanswered,
    };
  } finally {
    if (keepAlive) clearInterval(keepAlive);
    await swarm?.close();
    kinesis?.destroy();
    await rt?.stop();
  }
}

/**
 * When the record carrying each agent's completing second landed in the telemetry stream (kinesalite's
 * `ApproximateArrivalTimestamp`), read back from the stream after the run so that reading costs the runtime nothing
 * while it is measured.
 */
async function storedAt(kinesis: KinesisClient, completing: ReadonlyMap<string, number>): Promise<Map<string, number>> {
  const found = new Map<string, number>();
  const shards = (await kinesis.send(new ListShardsCommand({ StreamName: 'telemetry' }))).Shards ?? [];
  for (const shard of shards) {
    let iterator = (
      await kinesis.send(
        new GetShardIteratorCommand({
          StreamName: 'telemetry',
          ShardId: shard.ShardId,
          ShardIteratorType: 'TRIM_HORIZON',
        }),
      )
    ).ShardIterator;
    while (iterator) {
      const out = await kinesis.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: 1000 }));
      for (const r of out.Records ?? []) {
        const record = JSON.parse(Buffer.from(r.Data ?? new Uint8Array()).toString('utf8')) as {
          agent: string;
          n: number[];
        };
        const t = completing.get(record.agent);
        if (t === undefined || found.has(record.agent) || !r.ApproximateArrivalTimestamp) continue;
        for (let i = 0; i < record.n.length; i += 5)
          if (record.n[i] === t) found.set(record.agent, r.ApproximateArrivalTimestamp.getTime());
      }
      if ((out.Records ?? []).length === 0) break;
      iterator = out.NextShardIterator;
    }
  }
  return found;
}

/**
 * Where the detect time goes, per agent alerted, p50/p99 of each stage: `ingest` frame sent → its reply (gateway,
 * ingest function, PutRecord), `to_stream` frame sent → record stored in the stream, `to_raise` stored → the
 * processor's raise (poll, batch reads, evaluation), `push` raise → the alert frame on the socket (alert write,
 * notifier, @connections).
 */
function stageTimes(t: {
  completedAt: ReadonlyMap<string, number>;
  ackedAt: ReadonlyMap<string, number>;
  stored: ReadonlyMap<string, number>;
  raisedAt: ReadonlyMap<string, number>;
  alertAt: ReadonlyMap<string, number>;
}) {
  const stage = (from: ReadonlyMap<string, number>, to: ReadonlyMap<string, number>) => {
    const d: number[] = [];
    for (const [user, end] of to) {
      const start = from.get(user);
      if (start !== undefined) d.push(end - start);
    }
    d.sort((a, b) => a - b);
    return { n: d.length, p50: percentile(d, 50), p99: percentile(d, 99) };
  };
  return {
    ingest: stage(t.completedAt, t.ackedAt),
    to_stream: stage(t.completedAt, t.stored),
    to_raise: stage(t.stored, t.raisedAt),
    push: stage(t.raisedAt, t.alertAt),
  };
}

export async function run(args: string[]): Promise<Record<string, unknown>> {
  let figures: Record<string, unknown> = {};
  if (!args.includes('--detect-only')) {
    const engine = engineBench();
    log(`alerts: engine ${Math.round(engine).toLocaleString('en')} samples/s`);
    const { handler, decode, ratio } = await handlerBench();
    log(
      `  handler ${Math.round(handler).toLocaleString('en')} samples/s (goal ≥ 200,000), decode alone ${Math.round(decode).toLocaleString('en')} samples/s: ${(ratio * 100).toFixed(0)} % (goal ≥ 60 %)`,
    );
    figures = {
      engine_samples_per_s: Math.round(engine),
      handler_samples_per_s: Math.round(handler),
      decode_samples_per_s: Math.round(decode),
      handler_vs_decode: Number(ratio.toFixed(3)),
      handler_goal_met: handler >= 200_000 && ratio >= 0.6,
    };
  }
  if (args.includes('--skip-runtime')) return { ...figures, agents: 0 };
  const detect = await detectBench(args);
  const stages = Object.entries(detect.stages_ms).map(([k, v]) => `${k} ${v.p50}/${v.p99}`);
  log(`  where the time goes (p50/p99 ms): ${stages.join(', ')}`);
  log(
    `  runtime CPU while streaming: ${detect.runtime_cpu_ms_per_frame} ms per frame, ${detect.runtime_cpu_share} of a core (idle ${detect.runtime_idle_cpu_share}; dynalite ${detect.dynalite_cpu_share})`,
  );
  log(
    `  limit (bare PutRecord of the same records into the same Kinesis, ${detect.limit_concurrency} in flight): ${detect.limit_frames_per_s} frames/s, CPU per frame ${detect.limit_client_cpu_ms_per_frame} ms client + ${detect.limit_store_cpu_ms_per_frame} ms store`,
  );
  log(
    `  detect: ${detect.alerted}/${detect.agents} agents alerted (${detect.late} later than 1 s, ${detect.lost} lost), p50 ${detect.detect_p50_ms} ms, p99 ${detect.detect_p99_ms} ms (goal ≤ 1,000), agents alerted twice: ${detect.agents_with_duplicate_alerts}, frame errors ${detect.frame_errors}`,
  );
  return { ...figures, ...detect, detect_goal_met: detect.detect_p99_ms <= 1000 };
}
