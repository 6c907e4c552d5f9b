import { type KinesisClient, PutRecordCommand, PutRecordsCommand } from '@aws-sdk/client-kinesis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalKinesis, localKinesisClient, startKinesis } from '../../lib/local/kinesis.ts';
import { streamSignals } from '../../lib/local/stream-signals.ts';

/** The local Kinesis tells pushed (enhanced fan-out) pollers when a put is stored, instead of them polling. */
describe('local Kinesis put signals', () => {
  let kinesis: LocalKinesis;
  let client: KinesisClient;
  beforeAll(async () => {
    kinesis = await startKinesis({
      port: 0,
      streams: [
        { name: 'one', shards: 1 },
        { name: 'two', shards: 1 },
      ],
    });
    client = localKinesisClient(kinesis.endpoint);
  });
  afterAll(async () => {
    client?.destroy();
    await kinesis?.close();
  });

  it('signals the stream of a stored PutRecord before its caller has the answer, and no other stream', async () => {
    const seen: string[] = [];
    const offOne = streamSignals(kinesis.endpoint).subscribe('one', () => seen.push('one'));
    const offTwo = streamSignals(kinesis.endpoint).subscribe('two', () => seen.push('two'));
    try {
      await client.send(new PutRecordCommand({ StreamName: 'one', PartitionKey: 'k', Data: Buffer.from('x') }));
      expect(seen).toEqual(['one']);
      // A failed put stores nothing: no signal.
      await expect(
        client.send(new PutRecordCommand({ StreamName: 'missing', PartitionKey: 'k', Data: Buffer.from('x') })),
      ).rejects.toMatchObject({ name: 'ResourceNotFoundException' });
      expect(seen).toEqual(['one']);
    } finally {
      offOne();
      offTwo();
    }
  });

  it('signals every stream after a PutRecords (passed through unread), and stops after unsubscribing', async () => {
    const seen: string[] = [];
    const offOne = streamSignals(kinesis.endpoint).subscribe('one', () => seen.push('one'));
    const offTwo = streamSignals(kinesis.endpoint).subscribe('two', () => seen.push('two'));
    await client.send(
      new PutRecordsCommand({ StreamName: 'two', Records: [{ PartitionKey: 'k', Data: Buffer.from('y') }] }),
    );
    await expect.poll(() => [...seen].sort()).toEqual(['one', 'two']);
    offOne();
    offTwo();
    await client.send(new PutRecordCommand({ StreamName: 'one', PartitionKey: 'k', Data: Buffer.from('z') }));
    expect([...seen].sort()).toEqual(['one', 'two']);
  });
});
