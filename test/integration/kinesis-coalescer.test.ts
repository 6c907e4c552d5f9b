import {
  GetRecordsCommand,
  GetShardIteratorCommand,
  type KinesisClient,
  PutRecordCommand,
} from '@aws-sdk/client-kinesis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalKinesis, localKinesisClient, startKinesis } from '../../lib/local/kinesis.ts';

/** The local Kinesis answers concurrent PutRecord calls from one PutRecords: callers must not notice. */
describe('local Kinesis PutRecord coalescing', () => {
  let kinesis: LocalKinesis;
  let client: KinesisClient;
  beforeAll(async () => {
    kinesis = await startKinesis({ port: 0, streams: [{ name: 'one', shards: 1 }] });
    client = localKinesisClient(kinesis.endpoint);
  });
  afterAll(async () => {
    client?.destroy();
    await kinesis?.close();
  });

  it('gives each of many concurrent puts its own sequence number, and keeps sequential puts in order', async () => {
    const concurrent = await Promise.all(
      Array.from({ length: 60 }, (_, i) =>
        client.send(new PutRecordCommand({ StreamName: 'one', PartitionKey: `k${i}`, Data: Buffer.from(`c${i}`) })),
      ),
    );
    expect(new Set(concurrent.map((o) => o.SequenceNumber)).size).toBe(60);
    for (const o of concurrent) expect(o.ShardId).toBe('shardId-000000000000');
    for (let i = 0; i < 5; i++)
      await client.send(new PutRecordCommand({ StreamName: 'one', PartitionKey: 'same', Data: Buffer.from(`s${i}`) }));

    const { ShardIterator } = await client.send(
      new GetShardIteratorCommand({
        StreamName: 'one',
        ShardId: 'shardId-000000000000',
        ShardIteratorType: 'TRIM_HORIZON',
      }),
    );
    const { Records = [] } = await client.send(new GetRecordsCommand({ ShardIterator, Limit: 1000 }));
    const data = Records.map((r) => Buffer.from(r.Data ?? new Uint8Array()).toString());
    expect(data.filter((d) => d.startsWith('c')).sort()).toEqual(Array.from({ length: 60 }, (_, i) => `c${i}`).sort());
    expect(data.filter((d) => d.startsWith('s'))).toEqual(['s0', 's1', 's2', 's3', 's4']);
  });

  it('answers each caller with its own error', async () => {
    await expect(
      client.send(new PutRecordCommand({ StreamName: 'missing', PartitionKey: 'k', Data: Buffer.from('x') })),
    ).rejects.toMatchObject({ name: 'ResourceNotFoundException' });
  });
});
