/**
 * The `limit` of the alerts bench's detect phase: what this machine sustains for the irreducible part of a telemetry
 * frame — one PutRecord of the record the ingest writes for it — with no gateway, no function, no consumer. A bare
 * SDK client configured like the producer (functions/adapters/telemetry-producer.ts) puts the same records into the
 * runtime's own Kinesis (same front, same PutRecord coalescing, same kinesalite) on a stream of the same shard count
 * that nothing consumes, `concurrency` puts in flight, for `ms`. The figures say what is the machine and what is us:
 * frames/s at most, the client's CPU per put (this process) and the store's (the runtime's process, where kinesalite
 * runs), next to the runtime's CPU per frame through the whole path.
 */

import {
  CreateStreamCommand,
  DescribeStreamSummaryCommand,
  type KinesisClient,
  PutRecordCommand,
} from '@aws-sdk/client-kinesis';
import { statsFor, telemetryRecord } from '../test/support/telemetry.ts';

export interface DetectLimit {
  /** Puts per second sustained (closed loop). */
  readonly limit_frames_per_s: number;
  /** CPU of the putting process per put: the SDK client, HTTP. */
  readonly limit_client_cpu_ms_per_frame: number;
  /** CPU of the runtime's process per put: the Kinesis front, coalescing, kinesalite. Null without /proc. */
  readonly limit_store_cpu_ms_per_frame: number | null;
  readonly limit_concurrency: number;
}

const STREAM = 'detect-limit';

export async function detectLimit(opts: {
  /** A client of the runtime's Kinesis configured like the producer's. */
  readonly client: KinesisClient;
  /** The runtime process's CPU so far (ms), or undefined. */
  readonly runtimeCpu: () => number | undefined;
  readonly agents: readonly string[];
  readonly cadence: number;
  readonly concurrency?: number;
  readonly ms?: number;
}): Promise<DetectLimit> {
  const { client, agents } = opts;
  const concurrency = opts.concurrency ?? 50;
  const ms = opts.ms ?? 8000;
  await client.send(new CreateStreamCommand({ StreamName: STREAM, ShardCount: 2 }));
  for (let i = 0; i < 250; i++) {
    const out = await client.send(new DescribeStreamSummaryCommand({ StreamName: STREAM }));
    if (out.StreamDescriptionSummary?.StreamStatus === 'ACTIVE') break;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  // The records the ingest writes for the bench's frames: `cadence` seconds of both softphone streams, one per agent.
  const base = Date.now();
  const records = agents.map((agent) => ({
    PartitionKey: `bench#${agent}`,
    Data: Buffer.from(JSON.stringify(telemetryRecord('bench', agent, { stats: statsFor(base, opts.cadence) }, base))),
  }));
  const put = (i: number) =>
    client.send(new PutRecordCommand({ StreamName: STREAM, ...(records[i % records.length] as (typeof records)[0]) }));
  for (let i = 0; i < 200; i++) await put(i); // warm-up: connections, JIT

  let done = 0;
  const cpu0 = process.cpuUsage();
  const runtime0 = opts.runtimeCpu();
  const start = performance.now();
  const worker = async () => {
    while (performance.now() - start < ms) await put(done++);
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  const elapsed = performance.now() - start;
  const runtime1 = opts.runtimeCpu();
  const cpu = process.cpuUsage(cpu0);
  return {
    limit_frames_per_s: Math.round((done / elapsed) * 1000),
    limit_client_cpu_ms_per_frame: Number(((cpu.user + cpu.system) / 1000 / done).toFixed(2)),
    limit_store_cpu_ms_per_frame:
      runtime0 !== undefined && runtime1 !== undefined ? Number(((runtime1 - runtime0) / done).toFixed(2)) : null,
    limit_concurrency: concurrency,
  };
}
