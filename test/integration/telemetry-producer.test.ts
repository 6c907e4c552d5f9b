import { GetRecordsCommand, GetShardIteratorCommand, type KinesisClient } from '@aws-sdk/client-kinesis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KinesisTelemetrySink } from '../../functions/adapters/telemetry-producer.ts';
import type { TelemetryRecord } from '../../functions/domain/alerts/schemas.ts';
import { type LocalKinesis, localKinesisClient, startKinesis } from '../../lib/local/kinesis.ts';

const record = (agent: string, t: number): TelemetryRecord => ({
  v: 1,
  tenant: 't1',
  agent,
  receivedAt: t,
  n: [t, 0, 50, 5, 40],
  s: [],
  m: [],
});

/**
 * The producer reuses its resolved SDK middleware (`cacheMiddleware`). That is only sound for commands whose handler
 * reads the command it is given: some SDK commands (lib-dynamodb's) would resend the first command's input. Every put
 * must land with its own data and partition key, in order per agent.
 */
describe('KinesisTelemetrySink', () => {
  let kinesis: LocalKinesis;
  let reader: KinesisClient;
  const saved: Record<string, string | undefined> = {};
  const env = {
    AWS_ENDPOINT_URL_KINESIS: '',
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'x',
    AWS_SECRET_ACCESS_KEY: 'y',
  };
  beforeAll(async () => {
    kinesis = await startKinesis({ port: 0, streams: [{ name: 'telemetry', shards: 1 }] });
    reader = localKinesisClient(kinesis.endpoint);
    env.AWS_ENDPOINT_URL_KINESIS = kinesis.endpoint;
    for (const [k, v] of Object.entries(env)) {
      saved[k] = process.env[k];
      process.env[k] = v;
    }
  });
  afterAll(async () => {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
    reader?.destroy();
    await kinesis?.close();
  });

  it('puts every record with its own data and partition key, sequential and concurrent alike', async () => {
    const sink = KinesisTelemetrySink.forStream('telemetry');
    for (let i = 0; i < 3; i++) await sink.put(record('a-1', 1000 + i));
    await Promise.all(Array.from({ length: 20 }, (_, i) => sink.put(record(`b-${i}`, 2000 + i))));

    const { ShardIterator } = await reader.send(
      new GetShardIteratorCommand({
        StreamName: 'telemetry',
        ShardId: 'shardId-000000000000',
        ShardIteratorType: 'TRIM_HORIZON',
      }),
    );
    const { Records = [] } = await reader.send(new GetRecordsCommand({ ShardIterator, Limit: 1000 }));
    const got = Records.map((r) => ({
      key: r.PartitionKey,
      record: JSON.parse(Buffer.from(r.Data ?? new Uint8Array()).toString()) as TelemetryRecord,
    }));
    expect(got).toHaveLength(23);
    for (const g of got) expect(g.key).toBe(`t1#${g.record.agent}`);
    expect(got.filter((g) => g.record.agent === 'a-1').map((g) => g.record.receivedAt)).toEqual([1000, 1001, 1002]);
    expect(new Set(got.filter((g) => g.record.agent.startsWith('b-')).map((g) => g.record.agent)).size).toBe(20);
  });
});
