import type { AddressInfo } from 'node:net';
import { CreateTableCommand, DynamoDBClient, TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import {
  BatchGetCommand,
  BatchWriteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  TransactWriteCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import dynalite from 'dynalite';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createDocumentClient } from '../../functions/adapters/dynamo.ts';
import { itemId } from '../../lib/local/dynamo-item-keys.ts';
import { addTransactions } from '../../lib/local/dynamo-transactions.ts';
import { type LocalDynamo, startDynamo } from '../../lib/local/dynamodb.ts';
import { KeyLocks } from '../../lib/local/key-locks.ts';
import { startTestDynamo, type TestDynamo } from '../support/dynalite.ts';

/** dynalite lacks TransactWriteItems; the local emulation must be all-or-nothing, as DynamoDB's is. */
describe('TransactWriteItems on the local DynamoDB', () => {
  let db: TestDynamo;
  beforeAll(async () => {
    db = await startTestDynamo();
  });
  afterAll(async () => {
    await db?.close();
  });

  const get = async (pk: string) =>
    (await db.client.send(new GetCommand({ TableName: db.table, Key: { pk, sk: 'X' }, ConsistentRead: true }))).Item;

  it('applies every action when every condition holds', async () => {
    await db.client.send(new PutCommand({ TableName: db.table, Item: { pk: 'ok-1', sk: 'X', n: 1 } }));
    await db.client.send(
      new TransactWriteCommand({
        TransactItems: [
          {
            Put: {
              TableName: db.table,
              Item: { pk: 'ok-2', sk: 'X' },
              ConditionExpression: 'attribute_not_exists(pk)',
            },
          },
          {
            Update: {
              TableName: db.table,
              Key: { pk: 'ok-1', sk: 'X' },
              UpdateExpression: 'SET n = n + :one',
              ConditionExpression: 'n = :one',
              ExpressionAttributeValues: { ':one': 1 },
            },
          },
        ],
      }),
    );
    expect(await get('ok-1')).toMatchObject({ n: 2 });
    expect(await get('ok-2')).toBeDefined();
  });

  it('applies nothing when one condition fails, and names it in the cancellation reasons', async () => {
    await db.client.send(new PutCommand({ TableName: db.table, Item: { pk: 'no-1', sk: 'X', n: 1 } }));
    await db.client.send(new PutCommand({ TableName: db.table, Item: { pk: 'no-3', sk: 'X', owner: 'a' } }));
    const act = db.client.send(
      new TransactWriteCommand({
        TransactItems: [
          { Put: { TableName: db.table, Item: { pk: 'no-2', sk: 'X' } } },
          {
            Update: {
              TableName: db.table,
              Key: { pk: 'no-1', sk: 'X' },
              UpdateExpression: 'SET n = :n',
              ExpressionAttributeValues: { ':n': 9 },
            },
          },
          {
            Delete: {
              TableName: db.table,
              Key: { pk: 'no-3', sk: 'X' },
              ConditionExpression: '#o = :b',
              ExpressionAttributeNames: { '#o': 'owner' },
              ExpressionAttributeValues: { ':b': 'b' },
            },
          },
        ],
      }),
    );
    const error = await act.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TransactionCanceledException);
    expect((error as TransactionCanceledException).CancellationReasons?.map((r) => r.Code)).toEqual([
      'None',
      'None',
      'ConditionalCheckFailed',
    ]);
    expect(await get('no-2')).toBeUndefined();
    expect(await get('no-1')).toMatchObject({ n: 1 });
    expect(await get('no-3')).toMatchObject({ owner: 'a' });
  });

  it('undoes from the old images its writes returned: an overwritten item and an updated one come back whole', async () => {
    await db.client.send(new PutCommand({ TableName: db.table, Item: { pk: 'old-1', sk: 'X', a: 1, b: 'x' } }));
    await db.client.send(new PutCommand({ TableName: db.table, Item: { pk: 'old-2', sk: 'X', n: 1, keep: [1, 2] } }));
    const act = db.client.send(
      new TransactWriteCommand({
        TransactItems: [
          { Put: { TableName: db.table, Item: { pk: 'old-1', sk: 'X', c: 3 } } },
          {
            Update: {
              TableName: db.table,
              Key: { pk: 'old-2', sk: 'X' },
              UpdateExpression: 'SET n = :n REMOVE keep',
              ExpressionAttributeValues: { ':n': 2 },
            },
          },
          {
            ConditionCheck: {
              TableName: db.table,
              Key: { pk: 'old-3', sk: 'X' },
              ConditionExpression: 'attribute_exists(pk)',
            },
          },
        ],
      }),
    );
    await expect(act).rejects.toBeInstanceOf(TransactionCanceledException);
    expect(await get('old-1')).toEqual({ pk: 'old-1', sk: 'X', a: 1, b: 'x' });
    expect(await get('old-2')).toEqual({ pk: 'old-2', sk: 'X', n: 1, keep: [1, 2] });
    // The failed check's marker left nothing behind on an item that did not exist.
    expect(await get('old-3')).toBeUndefined();
  });

  it('a step dynalite refuses (not a condition) undoes the steps before it and answers its error', async () => {
    await db.client.send(new PutCommand({ TableName: db.table, Item: { pk: 'bad-1', sk: 'X', n: 1 } }));
    const act = db.client.send(
      new TransactWriteCommand({
        TransactItems: [
          {
            Update: {
              TableName: db.table,
              Key: { pk: 'bad-1', sk: 'X' },
              UpdateExpression: 'SET n = :n',
              ExpressionAttributeValues: { ':n': 5 },
            },
          },
          // Adding a number to a string is refused by the store itself, after the first step was applied.
          {
            Update: {
              TableName: db.table,
              Key: { pk: 'bad-2', sk: 'X' },
              UpdateExpression: 'SET s = :s ADD s :one',
              ExpressionAttributeValues: { ':s': 'text', ':one': 1 },
            },
          },
        ],
      }),
    );
    await expect(act).rejects.toThrow();
    expect(await get('bad-1')).toEqual({ pk: 'bad-1', sk: 'X', n: 1 });
    expect(await get('bad-2')).toBeUndefined();
  });

  it('a transaction is one request to the server: its steps reach dynalite in process, not over HTTP', async () => {
    const server = addTransactions(dynalite({ createTableMs: 0 }));
    let requests = 0;
    server.on('request', () => requests++);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
    const raw = new DynamoDBClient({
      endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
      region: 'us-east-1',
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    });
    try {
      await raw.send(
        new CreateTableCommand({
          TableName: 'txs',
          KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
          AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
          BillingMode: 'PAY_PER_REQUEST',
        }),
      );
      const client = createDocumentClient({
        endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
        region: 'us-east-1',
        credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
      });
      await client.send(new PutCommand({ TableName: 'txs', Item: { pk: 'c', v: 1 } }));
      requests = 0;
      await client.send(
        new TransactWriteCommand({
          TransactItems: [
            { Put: { TableName: 'txs', Item: { pk: 'a', v: 1 } } },
            { Put: { TableName: 'txs', Item: { pk: 'b', v: 1 } } },
            {
              ConditionCheck: {
                TableName: 'txs',
                Key: { pk: 'c' },
                ConditionExpression: 'v = :v',
                ExpressionAttributeValues: { ':v': 1 },
              },
            },
          ],
        }),
      );
      expect(requests).toBe(1);
      const got = await client.send(
        new BatchGetCommand({ RequestItems: { txs: { Keys: [{ pk: 'a' }, { pk: 'b' }] } } }),
      );
      expect(got.Responses?.txs).toHaveLength(2);
      client.destroy();
    } finally {
      raw.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });

  it('refuses two actions on one item, as DynamoDB does', async () => {
    const act = db.client.send(
      new TransactWriteCommand({
        TransactItems: [
          { Put: { TableName: db.table, Item: { pk: 'dup', sk: 'X' } } },
          { Delete: { TableName: db.table, Key: { pk: 'dup', sk: 'X' } } },
        ],
      }),
    );
    await expect(act).rejects.toThrow(/multiple operations on one item/);
    expect(await get('dup')).toBeUndefined();
  });

  it('a condition check changes nothing and cancels when false', async () => {
    await db.client.send(new PutCommand({ TableName: db.table, Item: { pk: 'cc', sk: 'X', v: 1 } }));
    const check = (v: number) =>
      db.client.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              ConditionCheck: {
                TableName: db.table,
                Key: { pk: 'cc', sk: 'X' },
                ConditionExpression: 'v = :v',
                ExpressionAttributeValues: { ':v': v },
              },
            },
            { Put: { TableName: db.table, Item: { pk: `cc-${v}`, sk: 'X' } } },
          ],
        }),
      );
    await check(1);
    await expect(check(2)).rejects.toBeInstanceOf(TransactionCanceledException);
    expect(await get('cc')).toEqual({ pk: 'cc', sk: 'X', v: 1 });
    expect(await get('cc-1')).toBeDefined();
    expect(await get('cc-2')).toBeUndefined();
  });
});

/**
 * Isolation is per item: a transaction locks the items it names, single-item and batch requests lock theirs, so work
 * on other items runs beside it. The test holds item locks itself (the server's own KeyLocks) to order requests: what
 * it asserts is an order of events, never a duration.
 */
describe('per-item isolation of the local DynamoDB', () => {
  const locks = new KeyLocks();
  let dynamo: LocalDynamo;
  let client: DynamoDBDocumentClient;
  let table: string;
  beforeAll(async () => {
    dynamo = await startDynamo({ port: 0, locks });
    table = dynamo.tableNames.main;
    client = createDocumentClient({
      endpoint: dynamo.endpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    });
  });
  afterAll(async () => {
    client?.destroy();
    await dynamo?.close();
  });

  const idOf = (pk: string) => itemId(table, { pk: { S: pk }, sk: { S: 'X' } });
  const get = async (pk: string) =>
    (await client.send(new GetCommand({ TableName: table, Key: { pk, sk: 'X' }, ConsistentRead: true }))).Item;
  const put = (pk: string, extra: Record<string, unknown> = {}) => ({
    Put: { TableName: table, Item: { pk, sk: 'X', ...extra } },
  });
  const increment = (pk: string) => ({
    Update: {
      TableName: table,
      Key: { pk, sk: 'X' },
      UpdateExpression: 'ADD n :one',
      ExpressionAttributeValues: { ':one': 1 },
    },
  });
  const failingCheck = (pk: string) => ({
    ConditionCheck: { TableName: table, Key: { pk, sk: 'X' }, ConditionExpression: 'attribute_exists(never)' },
  });

  it('runs a transaction on other items while one waits for a held item, and reads wait for the waiting one', async () => {
    const hold = await locks.lock([idOf('iso-held')], true);
    const order: string[] = [];
    // A names iso-a1 and iso-held: it takes iso-a1 (sorted first), then waits for iso-held, applying nothing yet.
    const a = client
      .send(new TransactWriteCommand({ TransactItems: [put('iso-a1', { by: 'A' }), increment('iso-held')] }))
      .then(() => order.push('A'));
    await vi.waitFor(() => expect(locks.size).toBe(2), { timeout: 10_000, interval: 5 });
    // A read of iso-a1 now must wait for A: it may only see iso-a1 as A leaves it.
    const read = get('iso-a1').then((item) => {
      order.push('read');
      return item;
    });
    await vi.waitFor(() => expect(locks.waiting).toBe(2), { timeout: 10_000, interval: 5 });
    // B, on other items, completes while A is still in progress.
    await client.send(new TransactWriteCommand({ TransactItems: [put('iso-b1'), put('iso-b2')] }));
    order.push('B');
    expect(await get('iso-b1')).toBeDefined();
    expect(order).toEqual(['B']);

    hold();
    await a;
    expect(await read).toMatchObject({ by: 'A' });
    expect(order).toEqual(['B', 'A', 'read']);
    expect(await get('iso-held')).toMatchObject({ n: 1 });
    expect(locks.size).toBe(0);
  });

  it('a write to an item held by a transaction waits for it, and a batch write too', async () => {
    const hold = await locks.lock([idOf('iso-w')], true);
    const order: string[] = [];
    const single = client
      .send(new PutCommand({ TableName: table, Item: { pk: 'iso-w', sk: 'X', by: 'put' } }))
      .then(() => order.push('put'));
    await vi.waitFor(() => expect(locks.waiting).toBe(1), { timeout: 10_000, interval: 5 });
    const batch = client
      .send(
        new BatchWriteCommand({
          RequestItems: { [table]: [{ PutRequest: { Item: { pk: 'iso-w2', sk: 'X' } } }] },
        }),
      )
      .then(() => order.push('batch on another item'));
    await batch;
    // (A read of iso-w would wait here too.)
    expect(order).toEqual(['batch on another item']);
    hold();
    await single;
    expect(order).toEqual(['batch on another item', 'put']);
    expect(await get('iso-w')).toMatchObject({ by: 'put' });
    expect(locks.size).toBe(0);
  });

  it('loses no update when transactions, cancelled transactions and single writes hit the same items', async () => {
    await client.send(new PutCommand({ TableName: table, Item: { pk: 'lost-1', sk: 'X', n: 0 } }));
    await client.send(new PutCommand({ TableName: table, Item: { pk: 'lost-2', sk: 'X', n: 0 } }));
    await client.send(new PutCommand({ TableName: table, Item: { pk: 'lost-guard', sk: 'X' } }));
    const rounds = 15;
    const work: Promise<unknown>[] = [];
    for (let i = 0; i < rounds; i++) {
      // Committed: +1 on both.
      work.push(client.send(new TransactWriteCommand({ TransactItems: [increment('lost-1'), increment('lost-2')] })));
      // Cancelled after its increment of lost-1 was applied: undone from the old image, which must not erase a
      // concurrent single write.
      work.push(
        client
          .send(new TransactWriteCommand({ TransactItems: [increment('lost-1'), failingCheck('lost-guard')] }))
          .then(
            () => Promise.reject(new Error('the check cannot hold')),
            (error: unknown) => expect(error).toBeInstanceOf(TransactionCanceledException),
          ),
      );
      // Single writes: +1 on lost-1.
      work.push(
        client.send(
          new UpdateCommand({
            TableName: table,
            Key: { pk: 'lost-1', sk: 'X' },
            UpdateExpression: 'ADD n :one',
            ExpressionAttributeValues: { ':one': 1 },
          }),
        ),
      );
    }
    await Promise.all(work);
    expect(await get('lost-1')).toMatchObject({ n: 2 * rounds });
    expect(await get('lost-2')).toMatchObject({ n: rounds });
    expect(locks.size).toBe(0);
  });

  it('a read never sees a transaction half applied on the items it reads', async () => {
    const pks = ['half-1', 'half-2', 'half-3', 'half-4', 'half-5'];
    for (const pk of pks) await client.send(new PutCommand({ TableName: table, Item: { pk, sk: 'X', v: 0 } }));
    await client.send(new PutCommand({ TableName: table, Item: { pk: 'half-guard', sk: 'X' } }));
    const setAll = (v: number) =>
      pks.map((pk) => ({
        Update: {
          TableName: table,
          Key: { pk, sk: 'X' },
          UpdateExpression: 'SET v = :v',
          ExpressionAttributeValues: { ':v': v },
        },
      }));
    const seen: number[][] = [];
    let writing = true;
    const writer = (async () => {
      try {
        for (let round = 1; round <= 6; round++) {
          // Five steps applied, then a failing check: every one of them undone (-1 must never be seen).
          await expect(
            client.send(new TransactWriteCommand({ TransactItems: [...setAll(-1), failingCheck('half-guard')] })),
          ).rejects.toBeInstanceOf(TransactionCanceledException);
          await client.send(new TransactWriteCommand({ TransactItems: setAll(round) }));
        }
      } finally {
        writing = false;
      }
    })();
    const reader = async () => {
      while (writing) {
        const out = await client.send(
          new BatchGetCommand({
            RequestItems: { [table]: { Keys: pks.map((pk) => ({ pk, sk: 'X' })), ConsistentRead: true } },
          }),
        );
        seen.push((out.Responses?.[table] ?? []).map((item) => item.v as number));
        const one = await get(pks[2] as string);
        seen.push([one?.v as number]);
      }
    };
    await Promise.all([writer, reader(), reader()]);
    expect(seen.length).toBeGreaterThan(0);
    for (const values of seen) {
      expect(values).not.toContain(-1);
      // A batch read of the five items sees one transaction's result on all of them.
      expect(new Set(values).size).toBe(1);
    }
    expect(locks.size).toBe(0);
  });
});
