/**
 * fanout: 10,000 connected agent sockets (clients in separate processes), one coaching message to a team of 1,000,
 * then one to all 10,000. Each case is measured three ways in the same run, on the same sockets, in alternating
 * rounds:
 *   - ours: `POST /messages` → the sharded fan-out (coordinator + shard workers on the local Lambda emulator);
 *   - limit: raw `POST /@connections/{id}` to the same recipients' connections with a bare HTTP client (node http,
 *     keep-alive agent, no SDK, no signing) at the same concurrency as ours' socket pools;
 *   - baseline: the common sample design — Scan a connection table, `Promise.all` an SDK PostToConnection to every
 *     connection (it cannot target a team, so the team case is a broadcast; its figure is what the team's sockets get);
 *   - durable limit: the floor of a send that keeps the durability rule (a push only after its recipient's inbox
 *     entry is written): the same recipients' entries written by the inbox adapter with a bare document client
 *     (BatchWriteItem, 25 per request, `--write-concurrency` in flight), each batch's raw posts (as the limit's)
 *     started as soon as that batch is written — the finest pipelining the rule allows, with no connection lookup
 *     (the connection ids are known, as for the limit) and no bookkeeping.
 * The runtime runs in this process, so all three post from the process that serves the gateway — the limit is what
 * this process can deliver at all. DynamoDB requests of ours are counted for real: every HTTP request to dynalite is
 * seen on Node's `http.client.request.start` diagnostics channel in the functions' threads (bench/_request-probe.ts)
 * and attributed to the function that made it.
 * Latency per socket: arrival − start of the send (the POST for ours). Goals: ours p99 ≤ 1.5 × limit p99 on both
 * cases, ahead of the baseline on both; ddb_requests_per_recipient ≤ 0.1.
 * Options: --agents N (10000), --team N (1000), --rounds N (3), --concurrency N (128: two pools of 64 sockets, the
 * coordinator's and the shard workers'), --write-concurrency N (32: BatchWriteItem requests in flight in the durable
 * limit — ours can have as many: 8 emulated invocations at once, each writing a wave of 4 batches), --processes N
 * (2 client processes). Quick run: --agents 2000 --team 200 --rounds 1.
 */
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { Agent, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { BroadcastChannel } from 'node:worker_threads';
import { ApiGatewayManagementApiClient, PostToConnectionCommand } from '@aws-sdk/client-apigatewaymanagementapi';
import { CreateTableCommand } from '@aws-sdk/client-dynamodb';
import { BatchGetCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { batchWriteAll, createDocumentClient } from '../functions/adapters/dynamo.ts';
import { DynamoInboxRepository } from '../functions/adapters/inbox-repository.ts';
import { epochSeconds, systemClock } from '../functions/domain/clock.ts';
import { mapLimit } from '../functions/domain/concurrency.ts';
import { inboxCursor } from '../functions/domain/inbox.ts';
import type { InboxEntry } from '../functions/domain/message-model.ts';
import { optionsFromEnv, RANDOM_PORTS, startLocalRuntime } from '../lib/local/runtime.ts';
import { TestClient } from '../test/support/ws-client.ts';
import { type ProbeEvent, REQUEST_PROBE_CHANNEL } from './_request-probe.ts';
import { log, ms } from './_setup.ts';
import { percentile, Swarm } from './_swarm.ts';

const TENANT = 'bench';
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const SEND_FUNCTIONS = new Set(['HttpMessagesSend', 'MessageFanOut', 'MessageFanOutShard']);
const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };

type Design = 'ours' | 'limit' | 'baseline' | 'durable_limit';
const DESIGNS: readonly Design[] = ['ours', 'limit', 'baseline', 'durable_limit'];

/**
 * Runs tasks added at any time with at most `limit` in flight (the durable limit's posts: a batch's posts join the
 * queue when its entries are written); `drain` resolves once every task added so far has settled, and rejects with
 * the first failure.
 */
class TaskPool {
  private readonly queue: Array<() => Promise<void>> = [];
  private next = 0;
  private active = 0;
  private failure: { error: unknown } | undefined;
  private readonly idle: Array<() => void> = [];
  constructor(private readonly limit: number) {}
  add(task: () => Promise<void>): void {
    this.queue.push(task);
    this.pump();
  }
  async drain(): Promise<void> {
    if (this.active > 0 || this.next < this.queue.length) await new Promise<void>((resolve) => this.idle.push(resolve));
    if (this.failure) throw this.failure.error;
  }
  private pump(): void {
    while (this.active < this.limit && this.next < this.queue.length) {
      const task = this.queue[this.next++] as () => Promise<void>;
      this.active++;
      task()
        .catch((error: unknown) => {
          this.failure ??= { error };
        })
        .finally(() => {
          this.active--;
          this.pump();
        });
    }
    if (this.active === 0 && this.next >= this.queue.length) for (const resolve of this.idle.splice(0)) resolve();
  }
}

export async function run(args: string[]): Promise<Record<string, unknown>> {
  const { values } = parseArgs({
    args,
    options: {
      agents: { type: 'string', default: '10000' },
      team: { type: 'string', default: '1000' },
      rounds: { type: 'string', default: '3' },
      concurrency: { type: 'string', default: '128' },
      'write-concurrency': { type: 'string', default: '32' },
      processes: { type: 'string', default: '2' },
    },
  });
  const total = Number(values.agents);
  const teamSize = Math.min(Number(values.team), total);
  const rounds = Number(values.rounds);
  const concurrency = Number(values.concurrency);
  const writeConcurrency = Number(values['write-concurrency']);
  const users = Array.from({ length: total }, (_, i) => `a${String(i).padStart(5, '0')}`);
  const teamOf = (i: number) => `t${Math.floor(i / teamSize)}`;
  const teams = [...new Set(users.map((_, i) => teamOf(i)))];

  const dataDir = await mkdtemp(join(tmpdir(), 'bench-fanout-'));
  const env = { ...process.env, ...RANDOM_PORTS, DATA_DIR: dataDir, LOG_LEVEL: 'error', TTL_SWEEP_MS: '3600000' };
  // DynamoDB requests by function, reported from the functions' threads (bench/_request-probe.ts).
  process.env.FUNCTION_HOST_IMPORTS = new URL('./_request-probe.ts', import.meta.url).href;
  const rt = await startLocalRuntime(optionsFromEnv(env, () => undefined));
  let counting = false;
  const requests = new Map<string, number>();
  // Where a send's time goes: per DynamoDB operation of ours, the time its requests were in flight (summed) and when
  // the first one answered; and when the first @connections post of ours started (all relative to the send's start).
  const busyMs = new Map<string, number>();
  const firstDoneMs = new Map<string, number>();
  let firstPostAt: number | undefined;
  // Wall time during which at least one DynamoDB request of the send was in flight (dynalite answers one at a time).
  let active = 0;
  let activeSince = 0;
  let ddbWallMs = 0;
  const probe = new BroadcastChannel(REQUEST_PROBE_CHANNEL);
  probe.unref();
  const inFlight = new Map<string, { op: string; at: number }>();
  probe.onmessage = (message) => {
    const e = (message as { data: ProbeEvent }).data;
    if (!counting) return;
    if (e.event === 'finish') {
      const started = inFlight.get(e.key);
      if (!started) return;
      inFlight.delete(e.key);
      if (--active === 0) ddbWallMs += e.at - activeSince;
      busyMs.set(started.op, (busyMs.get(started.op) ?? 0) + e.at - started.at);
      if (!firstDoneMs.has(started.op)) firstDoneMs.set(started.op, e.at);
      return;
    }
    if (!e.target.startsWith('DynamoDB_')) {
      if (e.path.includes('/@connections/') && SEND_FUNCTIONS.has(e.fn)) firstPostAt ??= e.at;
      return;
    }
    const fn = e.fn || 'bench';
    const op = e.target.split('.')[1] ?? '?';
    requests.set(`${fn} ${op}`, (requests.get(`${fn} ${op}`) ?? 0) + 1);
    if (SEND_FUNCTIONS.has(fn)) {
      inFlight.set(e.key, { op, at: e.at });
      if (active++ === 0) activeSince = e.at;
    }
  };
  const swarm = await Swarm.start(Number(values.processes), () => undefined, { forward: false });
  const db = createDocumentClient({ endpoint: rt.urls.dynamodb, region: 'us-east-1', credentials });
  // The durable limit's entries: the inbox adapter's own BatchWriteItem of new entries, from a bare client.
  const inbox = new DynamoInboxRepository(db, 'MainTable', systemClock);
  const management = new ApiGatewayManagementApiClient({
    endpoint: rt.urls.wsManagement,
    region: 'us-east-1',
    credentials,
  });
  const agent = new Agent({ keepAlive: true, maxSockets: concurrency });
  const started = Date.now();
  try {
    log(
      `fanout: ${total} agents in ${teams.length} teams of ${teamSize}; ${rounds} round(s); concurrency ${concurrency}, durable limit's writes in flight ${writeConcurrency}`,
    );
    const call = async (token: string, method: string, path: string, body?: unknown) => {
      const res = await fetch(`${rt.urls.http}${path}`, {
        method,
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      const text = await res.text();
      if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${text}`);
      return JSON.parse(text) as Record<string, unknown>;
    };
    const admin = await rt.token({ tenant: TENANT, user: 'bench-admin', role: 'admin' });
    // The clients do not ping: without a long inactivity window the sweeper would set thousands of agents Offline
    // (writes and pushes) in the middle of the measurements.
    await call(admin, 'PATCH', '/settings', { status: { inactivityWindowSeconds: 3600 } });
    for (let i = 0; i < total; i += 1000)
      await call(admin, 'POST', '/directory/agents/import', {
        agents: users
          .slice(i, i + 1000)
          .map((u, j) => ({ agentId: u, displayName: `Agent ${u}`, team: teamOf(i + j) })),
      });
    const tokens = [];
    for (const user of users)
      tokens.push({ user, token: await rt.token({ tenant: TENANT, user, role: 'agent', ttlSeconds: 4 * 3600 }) });
    const t0 = Date.now();
    const { connected, failed } = await swarm.connect(rt.urls.ws, tokens, 50);
    log(`  ${connected} sockets connected (${failed} failed) in ${ms(Date.now() - t0)}`);
    const supervisorToken = await rt.token({ tenant: TENANT, user: 'bench-supervisor', role: 'supervisor' });
    const supervisor = await TestClient.connect(rt.urls.ws, supervisorToken);

    // The recipients' connection ids (for the limit), and the sample design's connection table (for the baseline).
    const connectionsOf = new Map<string, string[]>();
    for (let i = 0; i < users.length; i += 100) {
      const out = await db.send(
        new BatchGetCommand({
          RequestItems: {
            MainTable: { Keys: users.slice(i, i + 100).map((u) => ({ pk: `T#${TENANT}#U#${u}`, sk: 'CONNS' })) },
          },
        }),
      );
      for (const item of out.Responses?.MainTable ?? [])
        connectionsOf.set(String(item.user), Object.keys((item.conns ?? {}) as object));
    }
    await db.send(
      new CreateTableCommand({
        TableName: 'SampleConnections',
        KeySchema: [{ AttributeName: 'connectionId', KeyType: 'HASH' }],
        AttributeDefinitions: [{ AttributeName: 'connectionId', AttributeType: 'S' }],
        BillingMode: 'PAY_PER_REQUEST',
      }),
    );
    await new Promise((r) => setTimeout(r, 1000));
    await batchWriteAll(
      db,
      'SampleConnections',
      [...connectionsOf.values()].flat().map((connectionId) => ({ PutRequest: { Item: { connectionId } } })),
    );
    log(`  directory, sockets and sample connection table ready (${ms(Date.now() - started)})`);

    const frame = (id: string, text: string) =>
      JSON.stringify({
        type: 'message',
        message: { id, text, from: { id: 'bench', name: 'Bench' }, sentAt: new Date().toISOString(), read: false },
      });
    const rawPost = (connectionId: string, data: string) =>
      new Promise<void>((resolve, reject) => {
        const target = new URL(rt.urls.wsManagement);
        const req = request(
          {
            agent,
            hostname: target.hostname,
            port: target.port,
            method: 'POST',
            path: `/@connections/${encodeURIComponent(connectionId)}`,
            // The emulator wants an Authorization header (IAM stands in for it); nothing is signed.
            headers: {
              'content-type': 'application/json',
              authorization: 'bench',
              'content-length': Buffer.byteLength(data),
            },
          },
          (res) => {
            res.resume();
            res.on('end', () => resolve());
          },
        );
        req.on('error', reject);
        req.end(data);
      });

    /** Runs one design once; resolves with the per-socket latencies of the target users (ms) and extra figures. */
    const runOnce = async (design: Design, targetUsers: readonly string[], to: unknown, label: string) => {
      const target = new Set(targetUsers);
      let id = randomUUID().replaceAll('-', '');
      const startedAt = Date.now();
      let ddb = 0;
      let timeline: Record<string, unknown> | undefined;
      if (design === 'ours') {
        requests.clear();
        busyMs.clear();
        firstDoneMs.clear();
        firstPostAt = undefined;
        active = 0;
        ddbWallMs = 0;
        counting = true;
        const body = await call(supervisorToken, 'POST', '/messages', { text: `Bench ${label}`, to });
        id = String(body.id);
        await supervisor.waitFor((f) => f.type === 'messageStatus' && f.messageId === id, 120_000);
        await sleep(200); // the probe's last reports from the functions' threads
        counting = false;
        for (const [key, n] of requests) if (SEND_FUNCTIONS.has(key.split(' ')[0] ?? '')) ddb += n;
        const since = (at: number | undefined) => (at === undefined ? null : at - startedAt);
        timeline = {
          first_post_ms: since(firstPostAt),
          ddb_first_answer_ms: Object.fromEntries([...firstDoneMs].map(([op, at]) => [op, since(at)])),
          ddb_busy_ms: Object.fromEntries(busyMs),
          ddb_wall_ms: ddbWallMs,
        };
      } else if (design === 'limit') {
        const data = frame(id, `Limit ${label}`);
        await mapLimit(
          targetUsers.flatMap((u) => connectionsOf.get(u) ?? []),
          concurrency,
          (c) => rawPost(c, data),
        );
      } else if (design === 'durable_limit') {
        const text = `Durable limit ${label}`;
        const data = frame(id, text);
        const sentAt = new Date(startedAt).toISOString();
        const expiresAt = epochSeconds(startedAt) + 3600;
        const batches: InboxEntry[][] = [];
        for (let i = 0; i < targetUsers.length; i += 25)
          batches.push(
            targetUsers.slice(i, i + 25).map((agentId) => ({
              tenant: TENANT,
              agentId,
              agentName: `Agent ${agentId}`,
              messageId: id,
              text,
              from: { id: 'bench', name: 'Bench' },
              sentAt,
              cursor: inboxCursor(Date.now(), id),
              expiresAt,
            })),
          );
        const posts = new TaskPool(concurrency);
        await mapLimit(batches, writeConcurrency, async (batch) => {
          await inbox.putEntries(batch, 'new');
          // This batch's recipients are durable: their posts may start, whatever the other batches are doing.
          for (const entry of batch)
            for (const connectionId of connectionsOf.get(entry.agentId) ?? [])
              posts.add(() => rawPost(connectionId, data));
        });
        await posts.drain();
      } else {
        const data = frame(id, `Baseline ${label}`);
        const items: Record<string, unknown>[] = [];
        let start: Record<string, unknown> | undefined;
        do {
          const page = await db.send(new ScanCommand({ TableName: 'SampleConnections', ExclusiveStartKey: start }));
          items.push(...(page.Items ?? []));
          start = page.LastEvaluatedKey;
        } while (start);
        await Promise.all(
          items.map((item) =>
            management
              .send(new PostToConnectionCommand({ ConnectionId: String(item.connectionId), Data: data }))
              .catch(() => undefined),
          ),
        );
      }
      // Wait for every target socket (the posts may be done before the frames are read).
      const deadline = Date.now() + 120_000;
      let arrivals = await swarm.arrivals(id);
      while ([...target].some((u) => !arrivals.has(u)) && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 100));
        arrivals = await swarm.arrivals(id);
      }
      const latencies = [...arrivals]
        .filter(([u]) => target.has(u))
        .map(([, at]) => at - startedAt)
        .sort((a, b) => a - b);
      return { latencies, ddb, breakdown: design === 'ours' ? Object.fromEntries(requests) : undefined, timeline };
    };

    // Warm-up (not measured): every design once to the second team, so that no figure pays a cold path (the JWKS
    // fetch, SDK clients and sockets created on first use).
    const warm = users.slice(teamSize, 2 * teamSize);
    if (warm.length > 0) for (const design of DESIGNS) await runOnce(design, warm, { teams: [teams[1]] }, 'warm-up');
    log(`  warmed up (${ms(Date.now() - started)})`);

    const cases: Array<Record<string, unknown>> = [];
    for (const target of [
      { label: `team of ${teamSize} among ${total}`, users: users.slice(0, teamSize), to: { teams: [teams[0]] } },
      { label: `all ${total}`, users, to: { teams } },
    ]) {
      const p99s: Record<Design, number[]> = { ours: [], limit: [], baseline: [], durable_limit: [] };
      const p50s: Record<Design, number[]> = { ours: [], limit: [], baseline: [], durable_limit: [] };
      const delivered: Record<Design, number[]> = { ours: [], limit: [], baseline: [], durable_limit: [] };
      const ddb: number[] = [];
      let breakdown: Record<string, number> | undefined;
      let timeline: Record<string, unknown> | undefined;
      for (let r = 0; r < rounds; r++) {
        // Alternate who goes first, so that no design always runs on a warmer or a busier process.
        const first = r % DESIGNS.length;
        for (const design of [...DESIGNS.slice(first), ...DESIGNS.slice(0, first)]) {
          const out = await runOnce(design, target.users, target.to, `${target.label} r${r}`);
          p99s[design].push(percentile(out.latencies, 99));
          p50s[design].push(percentile(out.latencies, 50));
          delivered[design].push(out.latencies.length);
          if (design === 'ours') {
            ddb.push(out.ddb);
            breakdown = out.breakdown;
            timeline = out.timeline;
          }
          log(
            `  ${target.label} round ${r + 1} ${design}: ${out.latencies.length}/${target.users.length} delivered, p50 ${ms(percentile(out.latencies, 50))}, p99 ${ms(percentile(out.latencies, 99))}${design === 'ours' ? `, ${out.ddb} DynamoDB requests, first arrival ${ms(out.latencies[0] ?? Number.NaN)}, ${JSON.stringify(out.timeline)}` : ''}`,
          );
          await new Promise((r) => setTimeout(r, 1000));
        }
      }
      const ratio = (a: number, b: number) => Math.round((a / b) * 100) / 100;
      const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? Number.NaN;
      const figures = {
        case: target.label,
        recipients: target.users.length,
        rounds,
        concurrency,
        delivered: Math.min(...delivered.ours),
        p50_ms: median(p50s.ours),
        p99_ms: median(p99s.ours),
        limit_p99_ms: median(p99s.limit),
        baseline_p99_ms: median(p99s.baseline),
        durable_limit_p99_ms: median(p99s.durable_limit),
        durable_limit_delivered: Math.min(...delivered.durable_limit),
        p99_vs_limit: ratio(median(p99s.ours), median(p99s.limit)),
        p99_vs_baseline: ratio(median(p99s.ours), median(p99s.baseline)),
        p99_vs_durable_limit: ratio(median(p99s.ours), median(p99s.durable_limit)),
        // What durability itself costs on this machine: the durable limit against the bare posts.
        durable_limit_vs_limit: ratio(median(p99s.durable_limit), median(p99s.limit)),
        ddb_requests_per_recipient: Math.round((median(ddb) / target.users.length) * 1000) / 1000,
        rounds_p99_ms: p99s,
        ddb_requests: breakdown,
        // The last round of ours: first post, first answer and summed in-flight time of each DynamoDB operation (ms).
        timeline,
      };
      cases.push(figures);
      log(
        `  ${target.label}: ours p99 ${ms(figures.p99_ms)} (${figures.p99_vs_limit} × limit ${ms(figures.limit_p99_ms)}, ${figures.p99_vs_durable_limit} × durable limit ${ms(figures.durable_limit_p99_ms)}, ${figures.p99_vs_baseline} × baseline ${ms(figures.baseline_p99_ms)}), ${figures.ddb_requests_per_recipient} DynamoDB requests per recipient`,
      );
    }
    await supervisor.close();
    return { cases };
  } finally {
    agent.destroy();
    management.destroy();
    db.destroy();
    await swarm.close();
    await rt.stop();
    await rm(dataDir, { recursive: true, force: true });
  }
}
