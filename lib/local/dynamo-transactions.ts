import { EventEmitter } from 'node:events';
import type { IncomingMessage, RequestListener, Server, ServerResponse } from 'node:http';
import { Readable } from 'node:stream';
import type { AttributeValue, TransactWriteItem } from '@aws-sdk/client-dynamodb';
import { itemId, KeySchemas, LOCKING_OPERATIONS, requestItemIds } from './dynamo-item-keys.ts';
import { KeyLocks } from './key-locks.ts';

/**
 * `TransactWriteItems` for dynalite, which does not implement it, and the isolation it needs. The emulation is
 * all-or-nothing and isolated per item:
 *
 * - a transaction locks the items it names (exclusive) for its whole duration; GetItem and BatchGetItem lock theirs
 *   shared, PutItem, UpdateItem, DeleteItem and BatchWriteItem exclusive (lib/local/key-locks.ts: all keys of a
 *   request are taken in one sorted order, so there is no deadlock). Requests on other items run in parallel; no
 *   request reads or writes an item between a transaction's first and last step on it;
 * - each action runs as the single-item operation it describes, with its own condition (dynalite evaluates the
 *   expressions) and `ReturnValues: ALL_OLD`, the old image it is undone from; when one fails, the actions already
 *   applied are undone and the caller gets `TransactionCanceledException` with `CancellationReasons`, as from
 *   DynamoDB;
 * - a `ConditionCheck` is an update of a marker attribute under the condition, undone at once;
 * - the steps are handed to dynalite's own request handler in this process (validation, expressions and storage
 *   exactly as for a request over HTTP), without an SDK client, signing or a loopback connection: one action costs
 *   dynalite one operation (a check two), not an HTTP round trip and a read besides.
 *
 * What differs from DynamoDB:
 * - Query and Scan take no lock: they may see the steps of a transaction applied so far (even a step that is undone
 *   when a later condition fails); DynamoDB's Query and Scan only ever see committed transactions;
 * - BatchGetItem reads all its items at one point (DynamoDB isolates each item read, not the batch), and every read
 *   is strongly consistent;
 * - the reasons of actions after the first failing one are `None` (DynamoDB evaluates all), and `ClientRequestToken`
 *   idempotency is not kept. A crash of the process mid-transaction could leave it half done;
 * - a request whose client goes away frees its items when the connection closes, possibly before dynalite has
 *   applied it.
 */
const TRANSACT_WRITE = 'TransactWriteItems';

/** One DynamoDB operation answered by dynalite's handler in this process: the output, or a rejection named by type. */
type Call = (operation: string, input: unknown) => Promise<Record<string, unknown>>;

/**
 * dynalite's request handler as a function: a request object carrying the headers dynalite checks (its target, JSON
 * content type and the shape — not the validity — of a SigV4 authorization, which dynalite never verifies) and a
 * response object that collects the answer. Requests made this way do not pass the locks: they are the steps of a
 * transaction that already holds its items.
 */
export function inProcess(handler: RequestListener): Call {
  const headers = {
    'content-type': 'application/x-amz-json-1.0',
    authorization:
      'AWS4-HMAC-SHA256 Credential=local/20200101/us-east-1/dynamodb/aws4_request, SignedHeaders=host, Signature=0',
    'x-amz-date': '20200101T000000Z',
  };
  return (operation, input) =>
    new Promise((resolve, reject) => {
      const req = Object.assign(new EventEmitter(), {
        headers: { ...headers, 'x-amz-target': `DynamoDB_20120810.${operation}` },
        method: 'POST',
        url: '/',
      });
      const res = {
        statusCode: 200,
        contentType: '',
        setHeader: () => undefined,
        end(body?: string) {
          let out: Record<string, unknown> = {};
          try {
            out = body ? (JSON.parse(body) as Record<string, unknown>) : {};
          } catch {
            // An answer that is not JSON is an error below (dynalite answers errors with a status other than 200).
          }
          if (res.statusCode === 200) return resolve(out);
          const type = typeof out.__type === 'string' ? out.__type : `HTTP ${res.statusCode}`;
          const error = new Error(typeof out.message === 'string' ? out.message : type);
          error.name = type.slice(type.indexOf('#') + 1);
          reject(error);
        },
      };
      try {
        handler(req as unknown as IncomingMessage, res as unknown as ServerResponse);
        req.emit('data', Buffer.from(JSON.stringify(input)));
        req.emit('end');
      } catch (error) {
        reject(error);
      }
    });
}

export function addTransactions(server: Server, locks: KeyLocks = new KeyLocks()): Server {
  const [original] = server.listeners('request') as RequestListener[];
  if (!original) throw new Error('dynalite server has no request listener');
  server.removeAllListeners('request');
  const call = inProcess(original);
  const schemas = new KeySchemas(async (table) => {
    const out = (await call('DescribeTable', { TableName: table })) as {
      Table?: { KeySchema?: Array<{ AttributeName: string }> };
    };
    return (out.Table?.KeySchema ?? []).map((k) => k.AttributeName);
  });

  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    const target = req.headers['x-amz-target'];
    const operation = typeof target === 'string' ? target.slice(target.indexOf('.') + 1) : '';
    const mode = LOCKING_OPERATIONS[operation];
    if (operation !== TRANSACT_WRITE && mode === undefined) {
      original.call(server, req, res);
      return;
    }
    void readAll(req).then(
      async (body) => {
        if (operation === TRANSACT_WRITE) return transactWrite(body, res, call, schemas, locks);
        let parsed: unknown;
        try {
          parsed = JSON.parse(body.toString('utf8'));
        } catch {
          // dynalite answers the SerializationException.
        }
        const ids = await requestItemIds(operation, parsed, schemas);
        const release = ids ? await locks.lock(ids, mode === 'write') : () => undefined;
        res.once('finish', release);
        res.once('close', release);
        original.call(server, replay(req, body), res);
      },
      // The caller went away mid-body: there is no one left to answer.
      () => res.destroy(),
    );
  });
  return server;
}

async function readAll(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** The request again, its body already read, for dynalite's handler (which reads `data`/`end`, headers, method, url). */
function replay(req: IncomingMessage, body: Buffer): IncomingMessage {
  const copy = new Readable({ read: () => undefined });
  copy.push(body);
  copy.push(null);
  return Object.assign(copy, {
    headers: req.headers,
    rawHeaders: req.rawHeaders,
    method: req.method,
    url: req.url,
    socket: req.socket,
    httpVersion: req.httpVersion,
  }) as unknown as IncomingMessage;
}

interface Applied {
  readonly table: string;
  readonly key: Record<string, AttributeValue>;
  readonly old: Record<string, AttributeValue> | undefined;
}

/** One action of a transaction with the item it names. */
interface Step {
  readonly action: TransactWriteItem;
  readonly table: string;
  readonly key: Record<string, AttributeValue>;
  readonly id: string;
}

async function transactWrite(
  body: Buffer,
  res: ServerResponse,
  call: Call,
  schemas: KeySchemas,
  locks: KeyLocks,
): Promise<void> {
  const answer = (status: number, body: unknown) => {
    res.writeHead(status, { 'content-type': 'application/x-amz-json-1.0' });
    res.end(JSON.stringify(body));
  };
  const answerError = (error: unknown) => {
    const e = error as { name?: string; message?: string };
    answer(400, {
      __type: e.name === 'ValidationException' ? 'com.amazon.coral.validate#ValidationException' : `${e.name}`,
      message: e.message,
    });
  };
  let items: TransactWriteItem[];
  try {
    items = (JSON.parse(body.toString('utf8')) as { TransactItems?: TransactWriteItem[] })
      .TransactItems as TransactWriteItem[];
    if (!Array.isArray(items) || items.length === 0 || items.length > 100)
      throw new Error('TransactItems must hold 1 to 100 actions');
  } catch (error) {
    answer(400, { __type: 'com.amazon.coral.validate#ValidationException', message: (error as Error).message });
    return;
  }

  // The item of every action, known before anything is locked or applied.
  const steps: Step[] = [];
  try {
    const seen = new Set<string>();
    for (const action of items) {
      const { Put, Update, Delete, ConditionCheck } = action;
      const op = Put ?? Update ?? Delete ?? ConditionCheck;
      if (!op?.TableName) throw validation('Each action needs exactly one of Put, Update, Delete, ConditionCheck');
      const table = op.TableName;
      const key = await schemas.keyOf(
        table,
        Put ? (Put.Item ?? {}) : ((op as { Key?: Record<string, AttributeValue> }).Key ?? {}),
      );
      const id = itemId(table, key);
      if (seen.has(id)) throw validation('Transaction request cannot include multiple operations on one item');
      seen.add(id);
      steps.push({ action, table, key, id });
    }
  } catch (error) {
    answerError(error);
    return;
  }

  const release = await locks.lock(
    steps.map((step) => step.id),
    true,
  );
  try {
    await applySteps(steps, call, answer, answerError);
  } finally {
    release();
  }
}

/** Applies the steps in order; on a failed condition undoes those applied and answers the cancellation. */
async function applySteps(
  steps: readonly Step[],
  call: Call,
  answer: (status: number, body: unknown) => void,
  answerError: (error: unknown) => void,
): Promise<void> {
  const applied: Applied[] = [];
  const restore = async (step: Applied) => {
    if (step.old) await call('PutItem', { TableName: step.table, Item: step.old });
    else await call('DeleteItem', { TableName: step.table, Key: step.key });
  };
  const undo = async () => {
    for (const step of applied.reverse()) await restore(step);
  };
  const reasons: Array<{ Code: string; Message?: string }> = steps.map(() => ({ Code: 'None' }));
  try {
    for (const [n, { action, table, key }] of steps.entries()) {
      const { Put, Update, Delete, ConditionCheck } = action;
      const op = (Put ?? Update ?? Delete ?? ConditionCheck) as NonNullable<typeof ConditionCheck>;
      // The old image comes with the write itself (ALL_OLD: the item before it, none if it did not exist).
      const condition = {
        TableName: table,
        ConditionExpression: op.ConditionExpression,
        ExpressionAttributeNames: op.ExpressionAttributeNames,
        ExpressionAttributeValues: op.ExpressionAttributeValues,
        ReturnValues: 'ALL_OLD',
      };
      try {
        let out: { Attributes?: Record<string, AttributeValue> };
        if (Put) out = await call('PutItem', { ...condition, Item: Put.Item });
        else if (Update)
          out = await call('UpdateItem', { ...condition, Key: key, UpdateExpression: Update.UpdateExpression });
        else if (Delete) out = await call('DeleteItem', { ...condition, Key: key });
        else
          out = await call('UpdateItem', {
            ...condition,
            Key: key,
            UpdateExpression: 'SET #localTxCheck = :localTxCheck',
            ExpressionAttributeNames: { ...condition.ExpressionAttributeNames, '#localTxCheck': 'localTxCheck' },
            ExpressionAttributeValues: { ...condition.ExpressionAttributeValues, ':localTxCheck': { BOOL: true } },
          });
        const step = { table, key, old: out.Attributes };
        // A check changes nothing: its marker is undone at once.
        if (ConditionCheck) await restore(step);
        else applied.push(step);
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
    answerError(error);
  }
}

function validation(message: string): Error {
  const error = new Error(message);
  error.name = 'ValidationException';
  return error;
}
