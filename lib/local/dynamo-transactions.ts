import type { IncomingMessage, RequestListener, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  type AttributeValue,
  DeleteItemCommand,
  DescribeTableCommand,
  DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  type TransactWriteItem,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';

/**
 * `TransactWriteItems` for dynalite, which does not implement it. The emulation is all-or-nothing and isolated:
 *
 * - every other request takes a shared lock for its duration, a transaction an exclusive one, so nothing reads or
 *   writes between a transaction's first and last step;
 * - each action runs as the single-item operation it describes, with its own condition (dynalite evaluates the
 *   expressions); when one fails, the actions already applied are undone from their old images and the caller gets
 *   `TransactionCanceledException` with `CancellationReasons`, as from DynamoDB;
 * - a `ConditionCheck` is an update of a marker attribute under the condition, undone at once.
 *
 * What differs from DynamoDB: the reasons of actions after the first failing one are `None` (DynamoDB evaluates all),
 * and `ClientRequestToken` idempotency is not kept. A crash of the process mid-transaction could leave it half done.
 */
const INTERNAL = 'x-local-transaction-step';
const TARGET = 'DynamoDB_20120810.TransactWriteItems';

export function addTransactions(server: Server): Server {
  const [original] = server.listeners('request') as RequestListener[];
  if (!original) throw new Error('dynalite server has no request listener');
  server.removeAllListeners('request');
  const lock = new ReadWriteLock();
  let client: DynamoDBClient | undefined;
  const keySchemas = new Map<string, string[]>();
  const stepClient = () => {
    if (client) return client;
    const { port } = server.address() as AddressInfo;
    client = new DynamoDBClient({
      endpoint: `http://127.0.0.1:${port}`,
      region: 'us-east-1',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
      maxAttempts: 1,
    });
    // The steps of a transaction pass the lock that the transaction itself holds.
    client.middlewareStack.add(
      (next) => (args) => {
        (args.request as { headers: Record<string, string> }).headers[INTERNAL] = '1';
        return next(args);
      },
      { step: 'build' },
    );
    server.once('close', () => client?.destroy());
    return client;
  };

  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    if (req.headers[INTERNAL]) return original.call(server, req, res);
    if (req.headers['x-amz-target'] === TARGET) {
      void lock.exclusive(() => transactWrite(req, res, stepClient(), keySchemas));
      return;
    }
    void lock.shared(
      () =>
        new Promise<void>((resolve) => {
          res.once('close', resolve);
          original.call(server, req, res);
        }),
    );
  });
  return server;
}

interface Applied {
  readonly table: string;
  readonly key: Record<string, AttributeValue>;
  readonly old: Record<string, AttributeValue> | undefined;
}

async function transactWrite(
  req: IncomingMessage,
  res: ServerResponse,
  client: DynamoDBClient,
  keySchemas: Map<string, string[]>,
): Promise<void> {
  const answer = (status: number, body: unknown) => {
    res.writeHead(status, { 'content-type': 'application/x-amz-json-1.0' });
    res.end(JSON.stringify(body));
  };
  let items: TransactWriteItem[];
  try {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    items = (JSON.parse(Buffer.concat(chunks).toString('utf8')) as { TransactItems?: TransactWriteItem[] })
      .TransactItems as TransactWriteItem[];
    if (!Array.isArray(items) || items.length === 0 || items.length > 100)
      throw new Error('TransactItems must hold 1 to 100 actions');
  } catch (error) {
    answer(400, { __type: 'com.amazon.coral.validate#ValidationException', message: (error as Error).message });
    return;
  }

  const keyOf = async (table: string, itemOrKey: Record<string, AttributeValue>) => {
    let names = keySchemas.get(table);
    if (!names) {
      const out = await client.send(new DescribeTableCommand({ TableName: table }));
      names = (out.Table?.KeySchema ?? []).map((k) => k.AttributeName as string);
      keySchemas.set(table, names);
    }
    return Object.fromEntries(names.map((n) => [n, itemOrKey[n] as AttributeValue]));
  };

  const applied: Applied[] = [];
  const restore = async (step: Applied) => {
    if (step.old) await client.send(new PutItemCommand({ TableName: step.table, Item: step.old }));
    else await client.send(new DeleteItemCommand({ TableName: step.table, Key: step.key }));
  };
  const undo = async () => {
    for (const step of applied.reverse()) await restore(step);
  };
  const reasons: Array<{ Code: string; Message?: string }> = items.map(() => ({ Code: 'None' }));
  const seen = new Set<string>();
  try {
    for (const [n, action] of items.entries()) {
      const { Put, Update, Delete, ConditionCheck } = action;
      const op = Put ?? Update ?? Delete ?? ConditionCheck;
      if (!op?.TableName) throw validation('Each action needs exactly one of Put, Update, Delete, ConditionCheck');
      const table = op.TableName;
      const key = await keyOf(
        table,
        Put ? (Put.Item ?? {}) : ((op as { Key?: Record<string, AttributeValue> }).Key ?? {}),
      );
      const id = `${table}\u0000${JSON.stringify(key)}`;
      if (seen.has(id)) throw validation('Transaction request cannot include multiple operations on one item');
      seen.add(id);
      const old = (await client.send(new GetItemCommand({ TableName: table, Key: key, ConsistentRead: true }))).Item;
      const condition = {
        ConditionExpression: op.ConditionExpression,
        ExpressionAttributeNames: op.ExpressionAttributeNames,
        ExpressionAttributeValues: op.ExpressionAttributeValues,
      };
      try {
        if (Put) await client.send(new PutItemCommand({ TableName: table, Item: Put.Item, ...condition }));
        else if (Update)
          await client.send(
            new UpdateItemCommand({
              TableName: table,
              Key: key,
              UpdateExpression: Update.UpdateExpression,
              ...condition,
            }),
          );
        else if (Delete) await client.send(new DeleteItemCommand({ TableName: table, Key: key, ...condition }));
        else {
          await client.send(
            new UpdateItemCommand({
              TableName: table,
              Key: key,
              UpdateExpression: 'SET #localTxCheck = :localTxCheck',
              ...condition,
              ExpressionAttributeNames: { ...condition.ExpressionAttributeNames, '#localTxCheck': 'localTxCheck' },
              ExpressionAttributeValues: { ...condition.ExpressionAttributeValues, ':localTxCheck': { BOOL: true } },
            }),
          );
        }
        // A check changes nothing: its marker is undone at once.
        if (ConditionCheck) await restore({ table, key, old });
        else applied.push({ table, key, old });
      } catch (error) {
        if ((error as { name?: string }).name !== 'ConditionalCheckFailedException') throw error;
        reasons[n] = { Code: 'ConditionalCheckFailed', Message: 'The conditional request failed' };
        await undo();
        answer(400, {
          __type: 'com.amazonaws.dynamodb.v20120810#TransactionCanceledException',
          message: `Transaction cancelled, please refer cancellation reasons for specific reasons [${reasons
            .map((r) => r.Code)
            .join(', ')}]`,
          CancellationReasons: reasons,
        });
        return;
      }
    }
    answer(200, {});
  } catch (error) {
    await undo().catch(() => undefined);
    const e = error as { name?: string; message?: string };
    answer(400, {
      __type: e.name === 'ValidationException' ? 'com.amazon.coral.validate#ValidationException' : `${e.name}`,
      message: e.message,
    });
  }
}

function validation(message: string): Error {
  const error = new Error(message);
  error.name = 'ValidationException';
  return error;
}

/** Many readers or one writer; a waiting writer holds back new readers so that it is not starved. */
class ReadWriteLock {
  private readers = 0;
  private writer = false;
  private readonly queue: Array<{ exclusive: boolean; start: () => void }> = [];

  shared(fn: () => Promise<void>): Promise<void> {
    return this.acquire(false, fn);
  }

  exclusive(fn: () => Promise<void>): Promise<void> {
    return this.acquire(true, fn);
  }

  private acquire(exclusive: boolean, fn: () => Promise<void>): Promise<void> {
    return new Promise<void>((resolve) => {
      const start = () => {
        if (exclusive) this.writer = true;
        else this.readers++;
        fn()
          .catch(() => undefined)
          .finally(() => {
            if (exclusive) this.writer = false;
            else this.readers--;
            this.drain();
            resolve();
          });
      };
      this.queue.push({ exclusive, start });
      this.drain();
    });
  }

  private drain(): void {
    while (this.queue.length > 0 && !this.writer) {
      const next = this.queue[0] as { exclusive: boolean; start: () => void };
      if (next.exclusive && this.readers > 0) return;
      this.queue.shift();
      next.start();
      if (next.exclusive) return;
    }
  }
}
