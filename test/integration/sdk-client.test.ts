import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ConditionalCheckFailedException, DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';
import { KinesisClient, PutRecordCommand } from '@aws-sdk/client-kinesis';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import {
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  TransactWriteCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDocumentClient } from '../../functions/adapters/dynamo.ts';
import { createSdkClient } from '../../functions/adapters/sdk-client.ts';
import { startTestDynamo, type TestDynamo } from '../support/dynalite.ts';

/**
 * The SDK configuration of sdk-client.ts and the document client of dynamo.ts resolve their middleware once per
 * command class and drop the unused logging middleware. What must not change with it: every command sends its own
 * input (the trap of the SDK's `cacheMiddleware` with lib-dynamodb), marshalling options, error shapes, retries on
 * throttling, and middleware added later.
 */
describe('SDK clients as the functions configure them', () => {
  let db: TestDynamo;
  const credentials = { accessKeyId: 'test', secretAccessKey: 'test' };
  beforeAll(async () => {
    db = await startTestDynamo();
  });
  afterAll(async () => db?.close());

  it('document client: many commands of a class, in turn and at once, each send their own input', async () => {
    const client = createDocumentClient(db.clientConfig);
    for (let i = 0; i < 5; i++)
      await client.send(new PutCommand({ TableName: db.table, Item: { pk: 'sdk#seq', sk: `k${i}`, n: i } }));
    await Promise.all(
      Array.from({ length: 40 }, (_, i) =>
        client.send(new PutCommand({ TableName: db.table, Item: { pk: 'sdk#par', sk: `k${i}`, n: i } })),
      ),
    );
    const reads = await Promise.all(
      Array.from({ length: 40 }, (_, i) =>
        client.send(new GetCommand({ TableName: db.table, Key: { pk: 'sdk#par', sk: `k${i}` }, ConsistentRead: true })),
      ),
    );
    expect(reads.map((r) => r.Item?.n)).toEqual(Array.from({ length: 40 }, (_, i) => i));
    const seq = await client.send(
      new QueryCommand({
        TableName: db.table,
        KeyConditionExpression: 'pk = :p',
        ExpressionAttributeValues: { ':p': 'sdk#seq' },
      }),
    );
    expect(seq.Items?.map((item) => item.n)).toEqual([0, 1, 2, 3, 4]);
    client.destroy();
  });

  it('document client: marshals as configured (undefined dropped, numbers, sets, nested maps)', async () => {
    const client = createDocumentClient(db.clientConfig);
    await client.send(new PutCommand({ TableName: db.table, Item: { pk: 'sdk#m', sk: 'warm', n: 0 } }));
    await client.send(
      new PutCommand({
        TableName: db.table,
        Item: {
          pk: 'sdk#m',
          sk: 'one',
          gone: undefined,
          n: 1.5,
          tags: new Set(['a', 'b']),
          nested: { list: [1, 'two', { three: true }], none: undefined },
        },
      }),
    );
    const { Item } = await client.send(
      new GetCommand({ TableName: db.table, Key: { pk: 'sdk#m', sk: 'one' }, ConsistentRead: true }),
    );
    expect(Item).toEqual({
      pk: 'sdk#m',
      sk: 'one',
      n: 1.5,
      tags: new Set(['a', 'b']),
      nested: { list: [1, 'two', { three: true }] },
    });
    // The raw item: marshalled by the document client, not stored as a JSON blob.
    const raw = new DynamoDBClient(db.clientConfig ?? {});
    const stored = await raw.send(
      new GetItemCommand({ TableName: db.table, Key: { pk: { S: 'sdk#m' }, sk: { S: 'one' } } }),
    );
    expect(stored.Item?.tags).toEqual({ SS: ['a', 'b'] });
    expect(stored.Item?.n).toEqual({ N: '1.5' });
    expect(stored.Item && 'gone' in stored.Item).toBe(false);
    raw.destroy();
    client.destroy();
  });

  it('document client: a failed condition throws the same ConditionalCheckFailedException as the SDK default', async () => {
    const client = createDocumentClient(db.clientConfig);
    const plain = DynamoDBDocumentClient.from(new DynamoDBClient(db.clientConfig ?? {}), {
      marshallOptions: { removeUndefinedValues: true },
    });
    await client.send(new PutCommand({ TableName: db.table, Item: { pk: 'sdk#c', sk: 'x', v: 1 } }));
    const update = (value: number, old: number) =>
      new UpdateCommand({
        TableName: db.table,
        Key: { pk: 'sdk#c', sk: 'x' },
        UpdateExpression: 'SET v = :v',
        ConditionExpression: 'v = :old',
        ExpressionAttributeValues: { ':v': value, ':old': old },
      });
    const ours = await client.send(update(3, 2)).catch((e: unknown) => e);
    const sdk = await plain.send(update(3, 2)).catch((e: unknown) => e);
    expect(ours).toBeInstanceOf(ConditionalCheckFailedException);
    expect(sdk).toBeInstanceOf(ConditionalCheckFailedException);
    const shape = (e: unknown) => {
      const error = e as ConditionalCheckFailedException;
      return {
        name: error.name,
        message: error.message,
        fault: error.$fault,
        status: error.$metadata.httpStatusCode,
        attempts: error.$metadata.attempts,
      };
    };
    expect(shape(ours)).toEqual(shape(sdk));
    expect(shape(ours)).toMatchObject({ name: 'ConditionalCheckFailedException', status: 400, attempts: 1 });
    // The same class still works after a failure, with its own input.
    await client.send(update(2, 1));
    const { Item } = await client.send(new GetCommand({ TableName: db.table, Key: { pk: 'sdk#c', sk: 'x' } }));
    expect(Item?.v).toBe(2);
    plain.destroy();
    client.destroy();
  });

  it('document client: middleware added after the first requests sees the later ones, and stops when removed', async () => {
    const client = createDocumentClient(db.clientConfig);
    const get = () => client.send(new GetCommand({ TableName: db.table, Key: { pk: 'sdk#w', sk: 'x' } }));
    await get();
    let seen = 0;
    client.middlewareStack.add(
      (next) => async (args) => {
        seen++;
        return next(args);
      },
      { step: 'finalizeRequest', name: 'countForTest' },
    );
    await get();
    await get();
    expect(seen).toBe(2);
    client.middlewareStack.remove('countForTest');
    await get();
    expect(seen).toBe(2);
    client.destroy();
  });

  it('document client: per-call options take the SDK path and still work', async () => {
    const client = createDocumentClient(db.clientConfig);
    await client.send(new PutCommand({ TableName: db.table, Item: { pk: 'sdk#o', sk: 'x', v: 'yes' } }));
    const out = await client.send(new GetCommand({ TableName: db.table, Key: { pk: 'sdk#o', sk: 'x' } }), {
      abortSignal: new AbortController().signal,
    });
    expect(out.Item?.v).toBe('yes');
    const aborted = new AbortController();
    aborted.abort();
    await expect(
      client.send(new GetCommand({ TableName: db.table, Key: { pk: 'sdk#o', sk: 'x' } }), {
        abortSignal: aborted.signal,
      }),
    ).rejects.toThrow();
    client.destroy();
  });

  it('document client: a double of the class send (aws-sdk-client-mock) answers, the SDK again once restored', async () => {
    const client = createDocumentClient(db.clientConfig);
    const get = () => client.send(new GetCommand({ TableName: db.table, Key: { pk: 'sdk#d', sk: 'x' } }));
    await client.send(new PutCommand({ TableName: db.table, Item: { pk: 'sdk#d', sk: 'x', from: 'dynalite' } }));
    const mock = mockClient(DynamoDBDocumentClient);
    mock.on(GetCommand).resolves({ Item: { from: 'double' } });
    try {
      expect((await get()).Item).toEqual({ from: 'double' });
    } finally {
      mock.restore();
    }
    expect((await get()).Item).toEqual({ pk: 'sdk#d', sk: 'x', from: 'dynalite' });
    client.destroy();
  });

  it('logs nothing unless given a logger: the logging middleware is removed then, kept when a logger is configured', async () => {
    const quiet = createDocumentClient(db.clientConfig);
    expect(quiet.middlewareStack.identify().some((m) => m.startsWith('loggerMiddleware'))).toBe(false);
    const lines: unknown[] = [];
    const logger = { debug: () => {}, info: (x: unknown) => lines.push(x), warn: () => {}, error: () => {} };
    const loud = createDocumentClient({ ...db.clientConfig, logger });
    expect(loud.middlewareStack.identify().some((m) => m.startsWith('loggerMiddleware'))).toBe(true);
    await loud.send(new GetCommand({ TableName: db.table, Key: { pk: 'sdk#l', sk: 'x' } }));
    expect(lines).toEqual([expect.objectContaining({ commandName: 'GetItemCommand' })]);
    const kinesis = createSdkClient(KinesisClient, { region: 'us-east-1', credentials });
    expect(kinesis.middlewareStack.identify().some((m) => m.startsWith('loggerMiddleware'))).toBe(false);
    quiet.destroy();
    loud.destroy();
    kinesis.destroy();
  });

  it('document client: puts on the wire what the SDK default puts, request for request', async () => {
    // Every request as received, without what differs by design on each one (time, signature, invocation id, the
    // idempotency token TransactWriteItems draws per request — which must differ between requests, checked below —
    // and the body hash, which covers that token).
    const wire: string[] = [];
    const tokens: string[] = [];
    const capture = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const {
          'x-amz-date': _d,
          authorization: _a,
          'amz-sdk-invocation-id': _i,
          host: _h,
          'x-amz-content-sha256': _s,
          ...headers
        } = req.headers;
        const body = JSON.parse(Buffer.concat(chunks).toString()) as { ClientRequestToken?: string };
        if (body.ClientRequestToken) tokens.push(body.ClientRequestToken);
        delete body.ClientRequestToken;
        wire.push(JSON.stringify({ url: req.url, headers, body }));
        res.writeHead(200, { 'content-type': 'application/x-amz-json-1.0' });
        res.end('{}');
      });
    });
    await new Promise<void>((resolve) => capture.listen(0, '127.0.0.1', resolve));
    const config = {
      endpoint: `http://127.0.0.1:${(capture.address() as AddressInfo).port}`,
      region: 'us-east-1',
      credentials,
    };
    const sequence = async (client: DynamoDBDocumentClient) => {
      for (let i = 0; i < 3; i++) {
        await client.send(new GetCommand({ TableName: 't', Key: { pk: `a${i}` } }));
        await client.send(
          new UpdateCommand({
            TableName: 't',
            Key: { pk: `a${i}` },
            UpdateExpression: 'SET v = :v',
            ExpressionAttributeValues: { ':v': i, ':gone': undefined },
          }),
        );
        await client.send(
          new TransactWriteCommand({
            TransactItems: [{ Put: { TableName: 't', Item: { pk: `b${i}`, s: new Set(['x']) } } }],
          }),
        );
      }
      const sent = wire.splice(0);
      return sent;
    };
    try {
      const sdk = await sequence(
        DynamoDBDocumentClient.from(new DynamoDBClient(config), { marshallOptions: { removeUndefinedValues: true } }),
      );
      const ours = await sequence(createDocumentClient(config));
      expect(ours).toHaveLength(9);
      expect(ours).toEqual(sdk);
      expect(new Set(tokens).size).toBe(6);
    } finally {
      await new Promise<void>((resolve) => capture.close(() => resolve()));
    }
  });

  describe('against a server that throttles', () => {
    let server: Server;
    let endpoint: string;
    /** How many of the next requests are answered with a throttling error. */
    let throttleNext = 0;
    const requests: { target: string; url: string; body: string }[] = [];
    beforeAll(async () => {
      server = createServer((req: IncomingMessage, res: ServerResponse) => {
        const chunks: Buffer[] = [];
        req.on('data', (c: Buffer) => chunks.push(c));
        req.on('end', () => {
          const target = String(req.headers['x-amz-target'] ?? '');
          requests.push({ target, url: req.url ?? '', body: Buffer.concat(chunks).toString() });
          const send = (status: number, body: object, type = 'application/x-amz-json-1.0') => {
            const text = JSON.stringify(body);
            res.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(text) });
            res.end(text);
          };
          if (throttleNext > 0) {
            throttleNext--;
            if (target.startsWith('Kinesis'))
              return send(400, { __type: 'ProvisionedThroughputExceededException', message: 'slow down' });
            if (req.url?.includes('/invocations'))
              return send(429, { Type: 'User', message: 'Rate exceeded' }, 'application/json');
            return send(400, { __type: 'com.amazonaws.dynamodb.v20120810#ThrottlingException', message: 'slow down' });
          }
          if (target === 'DynamoDB_20120810.GetItem') return send(200, { Item: { pk: { S: 'k' }, n: { N: '7' } } });
          if (target === 'Kinesis_20131202.PutRecord')
            return send(200, { SequenceNumber: '1', ShardId: 'shardId-000000000000' }, 'application/x-amz-json-1.1');
          if (req.url?.includes('/invocations')) {
            res.writeHead(202, { 'content-length': 0 });
            return res.end();
          }
          send(400, { __type: 'UnknownOperationException' });
        });
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    });
    afterAll(async () => new Promise<void>((resolve) => server?.close(() => resolve())));

    it('the document client retries throttling on a resolved handler', async () => {
      const client = createDocumentClient({ endpoint, region: 'us-east-1', credentials });
      const get = () => client.send(new GetCommand({ TableName: 't', Key: { pk: 'k' } }));
      expect((await get()).Item).toEqual({ pk: 'k', n: 7 });
      throttleNext = 2;
      const out = await get();
      expect(out.Item).toEqual({ pk: 'k', n: 7 });
      expect(out.$metadata.attempts).toBe(3);
      client.destroy();
    });

    it('a Kinesis client retries throttling and sends each record its own data', async () => {
      const client = createSdkClient(KinesisClient, {
        endpoint,
        region: 'us-east-1',
        credentials,
        requestHandler: new NodeHttpHandler(),
      });
      const put = (key: string) =>
        client.send(new PutRecordCommand({ StreamName: 's', PartitionKey: key, Data: Buffer.from(key) }));
      await put('first');
      throttleNext = 1;
      requests.length = 0;
      const out = await put('second');
      expect(out.$metadata.attempts).toBe(2);
      expect(requests.map((r) => JSON.parse(r.body).PartitionKey)).toEqual(['second', 'second']);
      client.destroy();
    });

    it('a Lambda client invokes each function by its own name, retrying throttling', async () => {
      const client = createSdkClient(LambdaClient, { endpoint, region: 'us-east-1', credentials });
      const invoke = (name: string) =>
        client.send(new InvokeCommand({ FunctionName: name, InvocationType: 'Event', Payload: Buffer.from('{}') }));
      requests.length = 0;
      await invoke('one');
      throttleNext = 1;
      const out = await invoke('two');
      expect(out.StatusCode).toBe(202);
      expect(out.$metadata.attempts).toBe(2);
      expect(requests.map((r) => r.url.split('/')[3])).toEqual(['one', 'two', 'two']);
      client.destroy();
    });
  });
});
