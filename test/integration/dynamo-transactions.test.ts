import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { GetCommand, PutCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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
