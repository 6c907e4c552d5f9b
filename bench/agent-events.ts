/**
 * agent-events: records/s through the Amazon Connect agent-event consumer (functions/handlers/stream/agent-events.ts:
 * base64 decode, zod validation, status derivation, conditional write) and the DynamoDB writes it costs per record.
 *
 * In process, on an in-memory dynalite. A realistic stream for N agents (default 500): LOGIN, then call cycles
 * Ringing → In a call → Wrap-up → Available with HEART_BEATs that change nothing, plus re-sent records (same EventId)
 * and a few late (older) events; merged in delivery order like one shard (each agent's records stay in order) and fed
 * as Kinesis events of 100 records (the registry's batch size). Write commands are counted on the handler's own
 * document client. Then three isolated phases measure what must cost nothing: duplicates (records re-delivered, as a
 * Lambda retry would), unchanged heartbeats, and late events.
 *
 * Args: --agents N (500), --cycles N (3 call cycles per agent), --batch N (100).
 */
import { randomUUID } from 'node:crypto';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Context, KinesisStreamBatchResponse, KinesisStreamEvent } from 'aws-lambda';
import { startKinesis } from '../lib/local/kinesis.ts';
import { lambdaContext } from '../lib/local/lambda.ts';
import { STREAM_NAMES } from '../lib/local/runtime.ts';
import { type AgentEventInput, agentEvent } from '../test/support/agent-events.ts';
import { startTestDynamo } from '../test/support/dynalite.ts';
import { percentile } from './_swarm.ts';

const INSTANCE = 'arn:aws:connect:us-east-1:000000000000:instance/5e1f0c2a-7b3d-4e8f-9a10-111122223333';
const TENANT = 'bench';
const WRITES = new Set(['PutCommand', 'UpdateCommand', 'DeleteCommand', 'BatchWriteCommand', 'TransactWriteCommand']);
const READS = new Set(['GetCommand', 'BatchGetCommand', 'QueryCommand', 'ScanCommand', 'TransactGetCommand']);

type Kind = 'login' | 'change' | 'heartbeat' | 'duplicate' | 'late';
interface Generated {
  readonly kind: Kind;
  readonly data: Record<string, unknown>;
  /** When it reaches the shard (orders the merged stream; each agent's deliveries increase). */
  readonly deliveredAt: number;
}

function option(args: string[], name: string, fallback: number): number {
  const i = args.indexOf(`--${name}`);
  const value = i >= 0 ? Number(args[i + 1]) : fallback;
  if (!Number.isInteger(value) || value <= 0) throw new Error(`--${name} must be a positive integer`);
  return value;
}

/** Deterministic pseudo-random numbers (mulberry32), so that runs are comparable. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const agentName = (i: number) => `agent-${String(i).padStart(4, '0')}`;

/** One agent's records in delivery order: its own timeline, with re-sent and late records mixed in. */
function agentStream(i: number, cycles: number, start: number, rnd: () => number): Generated[] {
  const user = agentName(i);
  const team = `team-${i % 10}`;
  const queues = i % 3 === 0 ? ['billing', 'sales'] : ['sales'];
  let t = start + Math.floor(rnd() * 20_000);
  const base = { instanceArn: INSTANCE, user, team, queues };
  const timeline: Array<{ kind: Kind; input: AgentEventInput }> = [];
  const at = (stepMs: number) => {
    t += stepMs;
    return new Date(t);
  };
  const available = { name: 'Available', type: 'ROUTABLE' } as const;
  timeline.push({ kind: 'login', input: { ...base, type: 'LOGIN', at: at(0), status: available } });
  for (let c = 0; c < cycles; c++) {
    const id = `c-${user}-${c}`;
    const step = () => 1_000 + Math.floor(rnd() * 30_000);
    const state = (state: string, kind: Kind = 'change', type: AgentEventInput['type'] = 'STATE_CHANGE') =>
      timeline.push({ kind, input: { ...base, type, at: at(step()), status: available, contacts: [{ id, state }] } });
    state('CONNECTING'); // Ringing
    state('CONNECTED'); // In a call
    state('CONNECTED', 'heartbeat', 'HEART_BEAT');
    if (rnd() < 0.5) state('CONNECTED', 'heartbeat', 'HEART_BEAT');
    state('ENDED'); // Wrap-up
    timeline.push({ kind: 'change', input: { ...base, type: 'STATE_CHANGE', at: at(step()), status: available } });
    timeline.push({ kind: 'heartbeat', input: { ...base, type: 'HEART_BEAT', at: at(step()), status: available } });
  }

  const out: Generated[] = [];
  let delivered = start;
  const deliver = (kind: Kind, data: Record<string, unknown>) => {
    delivered += 1 + Math.floor(rnd() * 10);
    out.push({ kind, data, deliveredAt: delivered });
  };
  const pendingResends: Array<{ after: number; data: Record<string, unknown> }> = [];
  for (const [n, entry] of timeline.entries()) {
    const data = agentEvent({ ...entry.input, eventId: randomUUID() });
    delivered = Math.max(delivered, entry.input.at.getTime());
    deliver(entry.kind, data);
    // ~6 %: Connect (at least once) or a producer retry sends the same record again, right away or a little later.
    if (rnd() < 0.06) pendingResends.push({ after: n + Math.floor(rnd() * 3), data });
    // ~2 %: a late event — older than what the agent already sent (a fresh id, a timestamp in the past).
    if (n >= 2 && rnd() < 0.02) {
      const older = timeline[n - 1 - Math.floor(rnd() * Math.min(n - 1, 3))];
      if (older)
        deliver(
          'late',
          agentEvent({ ...older.input, eventId: randomUUID(), at: new Date(older.input.at.getTime() - 500) }),
        );
    }
    for (const r of pendingResends.filter((p) => p.after <= n)) deliver('duplicate', r.data);
    pendingResends.splice(0, pendingResends.length, ...pendingResends.filter((p) => p.after > n));
  }
  for (const r of pendingResends) deliver('duplicate', r.data);
  return out;
}

let sequence = 0;
function kinesisEvent(records: ReadonlyArray<Record<string, unknown>>): KinesisStreamEvent {
  return {
    Records: records.map((data) => {
      const seq = String(++sequence).padStart(21, '0');
      return {
        kinesis: {
          kinesisSchemaVersion: '1.0',
          partitionKey: String(data.AgentARN),
          sequenceNumber: seq,
          data: Buffer.from(JSON.stringify(data)).toString('base64'),
          approximateArrivalTimestamp: Date.now() / 1000,
        },
        eventSource: 'aws:kinesis',
        eventVersion: '1.0',
        eventID: `shardId-000000000000:${seq}`,
        eventName: 'aws:kinesis:record',
        invokeIdentityArn: 'arn:aws:iam::000000000000:role/bench',
        awsRegion: 'us-east-1',
        eventSourceARN: 'arn:aws:kinesis:us-east-1:000000000000:stream/agent-events',
      };
    }),
  };
}

/** Counts the document client's commands by name (the handler's client: one per execution environment). */
function countCommands(client: DynamoDBDocumentClient) {
  const counts = new Map<string, number>();
  const send = client.send.bind(client) as (...args: unknown[]) => Promise<unknown>;
  (client as unknown as { send: (...args: unknown[]) => Promise<unknown> }).send = (command, ...rest) => {
    const name = (command as object).constructor.name;
    counts.set(name, (counts.get(name) ?? 0) + 1);
    return send(command, ...rest);
  };
  const sum = (names: Set<string>) => [...counts].reduce((n, [name, c]) => n + (names.has(name) ? c : 0), 0);
  return {
    writes: () => sum(WRITES),
    reads: () => sum(READS),
    byName: () => Object.fromEntries([...counts].sort()),
  };
}

type Handler = (event: KinesisStreamEvent, context: Context) => Promise<KinesisStreamBatchResponse>;

export async function run(args: string[]): Promise<Record<string, unknown>> {
  const agents = option(args, 'agents', 500);
  const cycles = option(args, 'cycles', 3);
  const batchSize = option(args, 'batch', 100);
  const db = await startTestDynamo();
  // Status changes leave through the status feed stream (nobody consumes it here): an in-memory kinesalite.
  const kinesis = await startKinesis({ port: 0, streams: [{ name: STREAM_NAMES.statusFeed, shards: 2 }] });
  try {
    // The handler reads its configuration at import: everything is set before the dynamic import below.
    Object.assign(process.env, {
      TABLE_NAME: db.table,
      IDEMPOTENCY_TABLE_NAME: db.idempotencyTable,
      AWS_ENDPOINT_URL_DYNAMODB: db.dynamo.endpoint,
      AWS_ENDPOINT_URL_KINESIS: kinesis.endpoint,
      STREAM_STATUS_FEED: STREAM_NAMES.statusFeed,
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: 'bench',
      AWS_SECRET_ACCESS_KEY: 'bench',
      POWERTOOLS_LOG_LEVEL: 'SILENT',
      POWERTOOLS_SERVICE_NAME: 'agent-messenger-bench',
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      // Pushes go nowhere: nobody is connected or subscribed, so the notifier only looks connections up.
      WS_ENDPOINT: 'http://127.0.0.1:9',
    });
    // The instance is served and bound, but statuses from Connect are never queued back to it.
    process.env.CONNECT_INSTANCE_ARNS = INSTANCE;
    process.env.FN_SCHEDULE_STATUS_CONNECT_SYNC = 'ScheduleStatusConnectSync';
    const { handler } = (await import('../functions/handlers/stream/agent-events.ts')) as { handler: Handler };
    const { documentClient } = await import('../functions/composition/core.ts');
    const { DynamoConnectBindingStore } = await import('../functions/adapters/connect-binding-repository.ts');
    const { agentEventSchema } = await import('../functions/domain/agent-events.ts');
    // The same consumer on the same adapters (the handler's composition root), reporting each record's outcome.
    const { agentEventConsumer } = await import('../functions/adapters/inbound/agent-event-consumer.ts');
    const { agentEventDeps } = await import('../functions/composition/status.ts');
    const outcomes = new Map<string, number>();
    const withOutcomes = agentEventConsumer(agentEventDeps(), (stats) => {
      for (const [k, v] of Object.entries(stats)) outcomes.set(k, (outcomes.get(k) ?? 0) + v);
    }) as Handler;

    // The instance → tenant binding, as an operator makes it.
    await new DynamoConnectBindingStore(db.client, db.table).bind(TENANT, INSTANCE);
    const counter = countCommands(documentClient());

    const rnd = random(20261120);
    const start = Date.now() - 6 * 60 * 60_000;
    const stream = Array.from({ length: agents }, (_, i) => agentStream(i + 1, cycles, start, rnd))
      .flat()
      .map((g, order) => ({ g, order }))
      .sort((a, b) => a.g.deliveredAt - b.g.deliveredAt || a.order - b.order)
      .map(({ g }) => g);
    const mix: Record<Kind, number> = { login: 0, change: 0, heartbeat: 0, duplicate: 0, late: 0 };
    for (const g of stream) mix[g.kind]++;

    let failures = 0;
    let batches = 0;
    const feed = async (
      records: ReadonlyArray<Record<string, unknown>>,
      options: { batchMs?: number[]; consumer?: Handler } = {},
    ) => {
      // Every generated record is a valid agent event (checked before the clock starts): none is skipped as malformed.
      for (const r of records)
        if (!agentEventSchema.safeParse(r).success) throw new Error(`Invalid generated record ${JSON.stringify(r)}`);
      const consumer = options.consumer ?? handler;
      const w0 = counter.writes();
      const r0 = counter.reads();
      const t0 = performance.now();
      for (let i = 0; i < records.length; i += batchSize) {
        const b0 = performance.now();
        const response = await consumer(
          kinesisEvent(records.slice(i, i + batchSize)),
          lambdaContext('StreamAgentEvents', 60_000),
        );
        options.batchMs?.push(performance.now() - b0);
        failures += response.batchItemFailures.length;
        batches++;
      }
      return { ms: performance.now() - t0, writes: counter.writes() - w0, reads: counter.reads() - r0 };
    };

    // Warm-up (module caches, the first connections to dynalite) on agents outside the measured set.
    await feed(agentStream(agents + 1, 1, start, random(1)).map((g) => g.data));
    batches = 0;
    const warmWrites = counter.writes();

    process.stdout.write(
      `agent-events: ${agents} agents × ${cycles} call cycles → ${stream.length} records in batches of ${batchSize}\n`,
    );
    const batchMs: number[] = [];
    const main = await feed(
      stream.map((g) => g.data),
      { batchMs },
    );
    if (counter.writes() === warmWrites) throw new Error('No write was counted: the spy is not on the handler client');
    const mainBatches = batches;

    // Isolated phases on the resulting state: what must cost no write at all.
    const applied = stream.filter((g) => g.kind === 'login' || g.kind === 'change');
    const lastPerAgent = new Map<string, Record<string, unknown>>();
    for (const g of applied) lastPerAgent.set(String(g.data.AgentARN), g.data);
    // Re-delivered records: each agent's last applied event (a "duplicate" verdict) and an earlier one ("stale").
    const resent = [
      ...lastPerAgent.values(),
      ...applied
        .filter((_, i) => i % Math.max(1, Math.floor(applied.length / agents)) === 0)
        .slice(0, agents)
        .map((g) => g.data),
    ];
    const isolated = (records: ReadonlyArray<Record<string, unknown>>) => {
      outcomes.clear();
      return feed(records, { consumer: withOutcomes }).then((r) => ({ ...r, outcomes: Object.fromEntries(outcomes) }));
    };
    const dup = await isolated(resent);
    // A HEART_BEAT per agent with its current snapshot (Available, no contact), newer than everything before.
    const now = new Date();
    const beats = Array.from({ length: agents }, (_, i) =>
      agentEvent({
        instanceArn: INSTANCE,
        user: agentName(i + 1),
        type: 'HEART_BEAT',
        at: now,
        status: { name: 'Available', type: 'ROUTABLE' },
        team: `team-${(i + 1) % 10}`,
        queues: (i + 1) % 3 === 0 ? ['billing', 'sales'] : ['sales'],
      }),
    );
    const hb = await isolated(beats);
    // Late events: a ringing contact an hour older than the heartbeat just applied.
    const late = await isolated(
      Array.from({ length: agents }, (_, i) =>
        agentEvent({
          instanceArn: INSTANCE,
          user: agentName(i + 1),
          type: 'STATE_CHANGE',
          at: new Date(start - 60 * 60_000),
          contacts: [{ id: `late-${i}`, state: 'CONNECTING' }],
        }),
      ),
    );

    const round = (n: number, d = 3) => Math.round(n * 10 ** d) / 10 ** d;
    const sorted = [...batchMs].sort((a, b) => a - b);
    const figures = {
      agents,
      records: stream.length,
      mix,
      records_per_s: Math.round(stream.length / (main.ms / 1000)),
      batch_p50_ms: round(percentile(sorted, 50), 1),
      batch_p99_ms: round(percentile(sorted, 99), 1),
      writes_per_record: round(main.writes / stream.length),
      reads_per_record: round(main.reads / stream.length),
      writes_per_applied: round(main.writes / (mix.login + mix.change)),
      writes_per_duplicate: round(dup.writes / resent.length),
      writes_per_unchanged_heartbeat: round(hb.writes / beats.length),
      writes_per_late: round(late.writes / agents),
      isolated_outcomes: { resent: dup.outcomes, heartbeats: hb.outcomes, late: late.outcomes },
      batches: mainBatches,
      failures,
      commands: counter.byName(),
    };
    process.stdout.write(
      [
        `  mix: ${mix.login} LOGIN, ${mix.change} STATE_CHANGE, ${mix.heartbeat} unchanged HEART_BEAT, ${mix.duplicate} re-sent (same EventId), ${mix.late} late (older)`,
        `  ${figures.records_per_s} records/s (${stream.length} records, ${mainBatches} batches in ${(main.ms / 1000).toFixed(1)} s; batch p50 ${figures.batch_p50_ms} ms, p99 ${figures.batch_p99_ms} ms)`,
        `  DynamoDB per record: ${figures.writes_per_record} writes, ${figures.reads_per_record} reads (${figures.writes_per_applied} writes per applied LOGIN/STATE_CHANGE)`,
        `  isolated: ${figures.writes_per_duplicate} writes per re-delivered record (${resent.length}), ${figures.writes_per_unchanged_heartbeat} per unchanged HEART_BEAT (${beats.length}), ${figures.writes_per_late} per late event (${agents})`,
        `  isolated outcomes: re-delivered ${JSON.stringify(dup.outcomes)}, heartbeats ${JSON.stringify(hb.outcomes)}, late ${JSON.stringify(late.outcomes)}`,
        `  batchItemFailures: ${failures}`,
        `  commands: ${JSON.stringify(figures.commands)}`,
        '',
      ].join('\n'),
    );
    return figures;
  } finally {
    await db.close();
    await kinesis.close();
  }
}
