import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KinesisClient, PutRecordCommand, PutRecordsCommand } from '@aws-sdk/client-kinesis';
import type { KinesisStreamBatchResponse, KinesisStreamEvent, KinesisStreamRecord } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalKinesis, localKinesisClient, startKinesis } from '../../lib/local/kinesis.ts';
import { type KinesisPoller, type KinesisPollerOptions, startKinesisPoller } from '../../lib/local/kinesis-poller.ts';
import type { LambdaHandler } from '../../lib/local/lambda.ts';

interface Payload {
  pk: string;
  n: number;
}

const decode = (r: KinesisStreamRecord): Payload =>
  JSON.parse(Buffer.from(r.kinesis.data, 'base64').toString('utf8')) as Payload;
const label = (r: KinesisStreamRecord) => {
  const p = decode(r);
  return `${p.pk}:${p.n}`;
};

describe('local Kinesis and poller', () => {
  let kinesis: LocalKinesis;
  let client: KinesisClient;
  const pollers: KinesisPoller[] = [];

  beforeAll(async () => {
    kinesis = await startKinesis({
      port: 0,
      streams: [
        { name: 'ordered', shards: 2 },
        { name: 'partial', shards: 1 },
        { name: 'poison-thrown', shards: 1 },
        { name: 'poison-reported', shards: 1 },
        { name: 'idle', shards: 1 },
        { name: 'env', shards: 1 },
      ],
      log: () => undefined,
    });
    client = localKinesisClient(kinesis.endpoint);
  });

  afterAll(async () => {
    await Promise.all(pollers.map((p) => p.close()));
    client.destroy();
    await kinesis.close();
  });

  const put = async (stream: string, payloads: Payload[]): Promise<string[]> => {
    const out = await client.send(
      new PutRecordsCommand({
        StreamName: stream,
        Records: payloads.map((p) => ({ PartitionKey: p.pk, Data: Buffer.from(JSON.stringify(p)) })),
      }),
    );
    expect(out.FailedRecordCount ?? 0).toBe(0);
    return (out.Records ?? []).map((r) => r.SequenceNumber ?? '');
  };

  const poll = async (
    streamName: string,
    handler: LambdaHandler,
    extra: Partial<KinesisPollerOptions> = {},
  ): Promise<KinesisPoller> => {
    const poller = await startKinesisPoller({
      endpoint: kinesis.endpoint,
      streamName,
      consumer: { name: 'Consumer', handler },
      batchSize: 10,
      pollIntervalMs: 20,
      retryDelayMs: 5,
      log: () => undefined,
      ...extra,
    });
    pollers.push(poller);
    return poller;
  };

  it('delivers records in order per partition key, in Lambda-shaped Kinesis events', async () => {
    // Prepare
    const events: KinesisStreamEvent[] = [];
    const poller = await poll('ordered', async (event) => {
      events.push(event as KinesisStreamEvent);
      return { batchItemFailures: [] } satisfies KinesisStreamBatchResponse;
    });
    const keys = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'];

    // Act: three PutRecords calls of interleaved keys, the last one after the poller started reading.
    const sent: string[] = [];
    for (let round = 0; round < 3; round++) {
      const batch = keys.flatMap((pk) => [0, 1].map((i) => ({ pk, n: round * 2 + i })));
      sent.push(...(await put('ordered', batch)));
    }
    await poller.drain();

    // Assess
    const records = events.flatMap((e) => e.Records);
    expect(records).toHaveLength(48);
    expect(new Set(records.map((r) => r.kinesis.sequenceNumber))).toEqual(new Set(sent));
    for (const pk of keys) {
      const ns = records.filter((r) => r.kinesis.partitionKey === pk).map((r) => decode(r).n);
      expect(ns, pk).toEqual([0, 1, 2, 3, 4, 5]);
    }
    for (const e of events) {
      expect(e.Records.length).toBeLessThanOrEqual(10);
      // One invocation carries records of one shard only.
      expect(new Set(e.Records.map((r) => r.eventID.split(':')[0])).size).toBe(1);
    }
    expect(new Set(records.map((r) => r.eventID.split(':')[0]))).toEqual(
      new Set(['shardId-000000000000', 'shardId-000000000001']),
    );
    const first = records[0]!;
    expect(first).toEqual({
      kinesis: {
        kinesisSchemaVersion: '1.0',
        partitionKey: first.kinesis.partitionKey,
        sequenceNumber: first.kinesis.sequenceNumber,
        data: expect.any(String),
        approximateArrivalTimestamp: expect.any(Number),
      },
      eventSource: 'aws:kinesis',
      eventVersion: '1.0',
      eventID: `${first.eventID.split(':')[0]}:${first.kinesis.sequenceNumber}`,
      eventName: 'aws:kinesis:record',
      invokeIdentityArn: 'arn:aws:iam::000000000000:role/Consumer',
      awsRegion: 'us-east-1',
      eventSourceARN: 'arn:aws:kinesis:us-east-1:000000000000:stream/ordered',
    });
    // Seconds with a fraction, as Lambda sends it.
    expect(Math.abs(first.kinesis.approximateArrivalTimestamp - Date.now() / 1000)).toBeLessThan(60);
    expect(decode(first).pk).toBe(first.kinesis.partitionKey);
  });

  it('retries from the first reported batch item failure, not the records before it', async () => {
    // Prepare: all five records are in the stream before the poller starts, so they arrive in one batch.
    const seqs = await put(
      'partial',
      [0, 1, 2, 3, 4].map((n) => ({ pk: 'agent-1', n })),
    );
    const invocations: string[][] = [];
    const poller = await poll('partial', async (event) => {
      const { Records } = event as KinesisStreamEvent;
      invocations.push(Records.map(label));
      // Report record 2 (and, out of order, record 4) failed the first time only.
      return invocations.length === 1
        ? { batchItemFailures: [{ itemIdentifier: seqs[4] }, { itemIdentifier: seqs[2] }] }
        : { batchItemFailures: [] };
    });

    // Act
    await poller.drain();

    // Assess
    expect(invocations).toEqual([
      ['agent-1:0', 'agent-1:1', 'agent-1:2', 'agent-1:3', 'agent-1:4'],
      ['agent-1:2', 'agent-1:3', 'agent-1:4'],
    ]);
  });

  it('bisects a batch whose handler throws and discards the bad record after maxRetries', async () => {
    // Prepare
    await put(
      'poison-thrown',
      [0, 1, 2, 3, 4, 5, 6].map((n) => ({ pk: 'k', n })),
    );
    const succeeded: string[] = [];
    let poisonAlone = 0;
    const discarded: Array<{ label: string; reason: string }> = [];
    const poller = await poll(
      'poison-thrown',
      async (event) => {
        const labels = (event as KinesisStreamEvent).Records.map(label);
        if (labels.includes('k:3')) {
          if (labels.length === 1) poisonAlone += 1;
          throw new Error('cannot parse k:3');
        }
        succeeded.push(...labels);
        return undefined;
      },
      { batchSize: 4, maxRetries: 2, onDiscard: (r, reason) => discarded.push({ label: label(r), reason }) },
    );

    // Act
    await poller.drain();

    // Assess: every other record processed exactly once and in order; the poison one tried 1 + 2 times alone.
    expect(succeeded).toEqual(['k:0', 'k:1', 'k:2', 'k:4', 'k:5', 'k:6']);
    expect(poisonAlone).toBe(3);
    expect(discarded).toEqual([{ label: 'k:3', reason: 'cannot parse k:3' }]);
  });

  it('discards a record that is reported failed every time and moves on to the later ones', async () => {
    const seqs = await put(
      'poison-reported',
      [0, 1, 2, 3].map((n) => ({ pk: 'k', n })),
    );
    const invocations: string[][] = [];
    const discarded: string[] = [];
    const poller = await poll(
      'poison-reported',
      async (event) => {
        const { Records } = event as KinesisStreamEvent;
        invocations.push(Records.map(label));
        const bad = Records.find((r) => r.kinesis.sequenceNumber === seqs[1]);
        return { batchItemFailures: bad ? [{ itemIdentifier: bad.kinesis.sequenceNumber }] : [] };
      },
      { maxRetries: 1, onDiscard: (r) => discarded.push(label(r)) },
    );

    await poller.drain();
    // More records after the discard are processed too.
    await put('poison-reported', [{ pk: 'k', n: 4 }]);
    await poller.drain();

    expect(invocations).toEqual([['k:0', 'k:1', 'k:2', 'k:3'], ['k:1', 'k:2', 'k:3'], ['k:2', 'k:3'], ['k:4']]);
    expect(discarded).toEqual(['k:1']);
  });

  it('accepts an unmodified KinesisClient (default HTTP/2 handler) configured by AWS_ENDPOINT_URL_KINESIS', async () => {
    // Prepare: what a Lambda handler does locally — no endpoint or request handler in code.
    const saved = process.env.AWS_ENDPOINT_URL_KINESIS;
    process.env.AWS_ENDPOINT_URL_KINESIS = kinesis.endpoint;
    const unmodified = new KinesisClient({
      region: 'us-east-1',
      credentials: { accessKeyId: 'x', secretAccessKey: 'y' },
    });
    const seen: string[] = [];
    const poller = await poll('env', async (event) => {
      seen.push(...(event as KinesisStreamEvent).Records.map(label));
    });
    try {
      // Act
      for (let n = 0; n < 3; n++) {
        await unmodified.send(
          new PutRecordCommand({
            StreamName: 'env',
            PartitionKey: 'k',
            Data: Buffer.from(JSON.stringify({ pk: 'k', n })),
          }),
        );
      }
      await poller.drain();

      // Assess
      expect(seen).toEqual(['k:0', 'k:1', 'k:2']);
    } finally {
      unmodified.destroy();
      if (saved === undefined) delete process.env.AWS_ENDPOINT_URL_KINESIS;
      else process.env.AWS_ENDPOINT_URL_KINESIS = saved;
    }
  });

  it('close() stops an idle poller promptly, even mid-pause, and rejects a pending drain', async () => {
    const handled: string[] = [];
    const poller = await poll(
      'idle',
      async (event) => {
        handled.push(...(event as KinesisStreamEvent).Records.map(label));
      },
      { pollIntervalMs: 30_000 },
    );
    await poller.drain(); // first read finds the empty shard, then the poller pauses for 30 s

    const started = Date.now();
    await poller.close();
    expect(Date.now() - started).toBeLessThan(1_000);

    await put('idle', [{ pk: 'k', n: 1 }]);
    await new Promise((r) => setTimeout(r, 100));
    expect(handled).toEqual([]);
    await expect(poller.drain()).rejects.toThrow(/closed/);
  });
});

describe('startKinesis with a data directory', () => {
  it('keeps records across a restart and re-creating the streams is a no-op', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'kinesis-'));
    try {
      // Prepare
      const first = await startKinesis({ port: 0, dataDir, streams: [{ name: 'persisted', shards: 1 }] });
      const writer = localKinesisClient(first.endpoint);
      await writer.send(
        new PutRecordsCommand({
          StreamName: 'persisted',
          Records: [{ PartitionKey: 'k', Data: Buffer.from('{"pk":"k","n":7}') }],
        }),
      );
      writer.destroy();
      await first.close();

      // Act
      const second = await startKinesis({ port: 0, dataDir, streams: [{ name: 'persisted', shards: 1 }] });
      const seen: string[] = [];
      const poller = await startKinesisPoller({
        endpoint: second.endpoint,
        streamName: 'persisted',
        consumer: {
          name: 'Consumer',
          handler: async (event) => {
            seen.push(...(event as KinesisStreamEvent).Records.map(label));
          },
        },
        batchSize: 10,
        pollIntervalMs: 20,
        log: () => undefined,
      });
      await poller.drain();
      await poller.close();
      await second.close();

      // Assess
      expect(seen).toEqual(['k:7']);
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});
