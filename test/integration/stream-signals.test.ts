import { createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type KinesisClient, PutRecordCommand, PutRecordsCommand } from '@aws-sdk/client-kinesis';
import type { KinesisStreamEvent } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalKinesis, localKinesisClient, startKinesis } from '../../lib/local/kinesis.ts';
import { startKinesisPoller } from '../../lib/local/kinesis-poller.ts';
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
        { name: 'wide', shards: 2 },
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

  it('names the shards a put went to, and a pushed poller reads only those of its idle shards', async () => {
    const seen: Array<readonly string[] | undefined> = [];
    const off = streamSignals(kinesis.endpoint).subscribe('wide', (shards) => seen.push(shards));
    const put = await client.send(
      new PutRecordCommand({ StreamName: 'wide', PartitionKey: 'k', Data: Buffer.from('a') }),
    );
    expect(seen).toEqual([[put.ShardId]]);
    off();

    // A poller of both shards, woken by puts only (its idle re-read comes after 1 s), reading through a proxy that
    // counts GetRecords per shard.
    const proxy = await countingProxy(kinesis.endpoint);
    const delivered: string[] = [];
    const poller = await startKinesisPoller({
      endpoint: proxy.endpoint,
      streamName: 'wide',
      batchSize: 10,
      pollIntervalMs: 10,
      startingPosition: 'LATEST',
      consumer: {
        name: 'wide-consumer',
        handler: async (event: unknown) => {
          for (const r of (event as KinesisStreamEvent).Records)
            delivered.push(Buffer.from(r.kinesis.data, 'base64').toString());
        },
      },
      wakeOn: (wake) => streamSignals(kinesis.endpoint).subscribe('wide', wake),
    });
    try {
      await poller.drain();
      // drain() wakes every shard; let that settle before counting.
      await new Promise((resolve) => setTimeout(resolve, 100));
      const before = new Map(proxy.reads);
      for (let n = 0; n < 5; n++)
        await client.send(new PutRecordCommand({ StreamName: 'wide', PartitionKey: 'k', Data: Buffer.from(`r${n}`) }));
      await expect.poll(() => delivered.length).toBe(5);
      const busy = put.ShardId ?? '';
      const idle = [...proxy.reads.keys()].find((id) => id !== busy) ?? '';
      expect(idle).not.toBe('');
      // The shard the puts went to read; the other did not (it would have, once per put, if every put woke both).
      expect(proxy.reads.get(busy) ?? 0).toBeGreaterThan(before.get(busy) ?? 0);
      expect(proxy.reads.get(idle)).toBe(before.get(idle));
    } finally {
      await poller.close();
      await proxy.close();
    }
  });
});

/**
 * An HTTP proxy in front of the local Kinesis that counts GetRecords per shard: iterators are opaque, so it learns
 * each iterator's shard from the GetShardIterator answer and follows NextShardIterator.
 */
async function countingProxy(target: string) {
  const reads = new Map<string, number>();
  const shardOf = new Map<string, string>();
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const input = JSON.parse(body.toString() || '{}') as { ShardId?: string; ShardIterator?: string };
      const op = String(req.headers['x-amz-target'] ?? '').split('.')[1];
      const shard = op === 'GetRecords' ? shardOf.get(input.ShardIterator ?? '') : input.ShardId;
      if (op === 'GetRecords' && shard) reads.set(shard, (reads.get(shard) ?? 0) + 1);
      const out = request(`${target}${req.url}`, { method: req.method, headers: req.headers }, (answer) => {
        const back: Buffer[] = [];
        answer.on('data', (c: Buffer) => back.push(c));
        answer.on('end', () => {
          const text = Buffer.concat(back);
          try {
            const parsed = JSON.parse(text.toString()) as { ShardIterator?: string; NextShardIterator?: string };
            const next = parsed.ShardIterator ?? parsed.NextShardIterator;
            if (next && shard) shardOf.set(next, shard);
          } catch {
            // not JSON: nothing to learn
          }
          res.writeHead(answer.statusCode ?? 500, answer.headers);
          res.end(text);
        });
      });
      out.on('error', () => res.destroy());
      out.end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    reads,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
