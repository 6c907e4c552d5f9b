import { ConditionalCheckFailedException, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  BatchGetCommand,
  type BatchGetCommandOutput,
  BatchWriteCommand,
  type BatchWriteCommandInput,
  DynamoDBDocumentClient,
  QueryCommand,
  type QueryCommandInput,
  __Client as SdkClient,
} from '@aws-sdk/lib-dynamodb';
import { mapLimit } from '#domain/concurrency.ts';
import { BadRequestError } from '#domain/errors.ts';
import { withoutUnusedLogging } from './sdk-client.ts';

type WriteRequest = NonNullable<BatchWriteCommandInput['RequestItems']>[string][number];
export type Item = Record<string, unknown>;

/**
 * A document client; the endpoint comes from the SDK's standard configuration (`AWS_ENDPOINT_URL_DYNAMODB` locally).
 * Configured through sdk-client.ts (no unused logging) and resolving its middleware once per command class (below).
 */
export function createDocumentClient(
  config: ConstructorParameters<typeof DynamoDBClient>[0] = {},
): DynamoDBDocumentClient {
  const client = DynamoDBDocumentClient.from(withoutUnusedLogging(new DynamoDBClient(config), config ?? {}), {
    marshallOptions: { removeUndefinedValues: true },
  });
  return resolvingOncePerCommandClass(client);
}

type ResolvedHandler = (command: unknown) => Promise<{ output: unknown }>;

/** The members of a lib-dynamodb command that its own `resolveMiddleware` uses (protected in its declarations). */
interface DocumentCommandParts {
  readonly middlewareStack: DynamoDBDocumentClient['middlewareStack'];
  readonly clientCommand: {
    resolveMiddleware(stack: unknown, config: unknown, options: undefined): ResolvedHandler;
  };
  addMarshallingMiddleware(config: unknown): void;
}

const isDocumentCommand = (command: object): command is DocumentCommandParts =>
  typeof (command as { addMarshallingMiddleware?: unknown }).addMarshallingMiddleware === 'function' &&
  typeof (command as { clientCommand?: { resolveMiddleware?: unknown } }).clientCommand?.resolveMiddleware ===
    'function';

/** The stack's methods that change it: each drops the resolved handlers, so a later change is seen (unlike the SDK). */
const STACK_CHANGES = ['add', 'addRelativeTo', 'use', 'remove', 'removeByTag'] as const;

/**
 * Makes the document client resolve its middleware stack once per command class instead of on every `send` (≈ a fifth
 * of the SDK's CPU per request, measured). The SDK's own `cacheMiddleware` cannot do it: lib-dynamodb's commands
 * return from `resolveMiddleware` a handler bound to the command that resolved it (`async () =>
 * handler(this.clientCommand)`), so a cached one would resend the first command's input — the document client
 * refuses the option for that reason. This `send` does what that method does (marshalling middleware, the client's
 * stack concatenated with the command's, the low-level command's resolution) and keeps the low-level handler, which
 * reads the command it is given. Marshalling options are the client's and key paths are per command class, so the
 * cached handler marshals every command of its class as a fresh one would. What sdk-client.ts says of the shared
 * handler context holds here too. Anything else — per-call options, a callback, a command of another shape, a `send`
 * of the class that is not the SDK's generic one — goes through the class's `send`; a change to the stack drops what was
 * resolved.
 */
function resolvingOncePerCommandClass(client: DynamoDBDocumentClient): DynamoDBDocumentClient {
  const resolved = new Map<unknown, ResolvedHandler>();
  const stack = client.middlewareStack as unknown as Record<
    (typeof STACK_CHANGES)[number],
    (...a: unknown[]) => unknown
  >;
  for (const method of STACK_CHANGES) {
    const change = stack[method];
    stack[method] = (...args: unknown[]) => {
      resolved.clear();
      return change.apply(stack, args);
    };
  }
  client.send = ((command: object, ...rest: unknown[]) => {
    // The class's `send`, looked up per call: what this mirrors is the SDK's generic one; another (a newer
    // lib-dynamodb's own, or a test double such as aws-sdk-client-mock's stub on the class) is used as it is.
    const classSend = DynamoDBDocumentClient.prototype.send as (...args: unknown[]) => unknown;
    if (rest.length > 0 || classSend !== SdkClient.prototype.send || !isDocumentCommand(command))
      return classSend.call(client, command, ...rest);
    let handler = resolved.get(command.constructor);
    if (!handler) {
      command.addMarshallingMiddleware(client.config);
      handler = command.clientCommand.resolveMiddleware(
        client.middlewareStack.concat(command.middlewareStack),
        client.config,
        undefined,
      );
      resolved.set(command.constructor, handler);
    }
    return handler(command.clientCommand).then((result) => result.output);
  }) as DynamoDBDocumentClient['send'];
  return client;
}

const MAX_BATCH = 25;

/**
 * Writes any number of put/delete requests in batches of 25 and retries `UnprocessedItems` with exponential backoff
 * and jitter. Throws if items are still unprocessed after `maxAttempts` — never drops them silently.
 */
export async function batchWriteAll(
  client: DynamoDBDocumentClient,
  table: string,
  requests: readonly WriteRequest[],
  options: { maxAttempts?: number; baseDelayMs?: number; concurrency?: number } = {},
): Promise<{ calls: number }> {
  const maxAttempts = options.maxAttempts ?? 8;
  const baseDelayMs = options.baseDelayMs ?? 25;
  let calls = 0;
  const batches: WriteRequest[][] = [];
  for (let start = 0; start < requests.length; start += MAX_BATCH)
    batches.push(requests.slice(start, start + MAX_BATCH));
  // One batch at a time unless the caller asks for more (a fan-out shard writes its entries side by side).
  await mapLimit(batches, options.concurrency ?? 1, async (batch) => {
    let pending = batch;
    for (let attempt = 1; pending.length > 0; attempt++) {
      if (attempt > maxAttempts)
        throw new Error(`BatchWrite left ${pending.length} items unprocessed after ${maxAttempts} attempts`);
      if (attempt > 1) await sleep(backoff(attempt, baseDelayMs));
      const out = await client.send(new BatchWriteCommand({ RequestItems: { [table]: pending } }));
      calls++;
      pending = (out.UnprocessedItems?.[table] ?? []) as WriteRequest[];
    }
  });
  return { calls };
}

/** Follows `LastEvaluatedKey` until the query is exhausted (or `limit` items were collected). */
export async function queryAll(
  client: DynamoDBDocumentClient,
  input: QueryCommandInput,
  limit = Number.POSITIVE_INFINITY,
): Promise<{ items: Item[]; calls: number }> {
  const items: Item[] = [];
  let calls = 0;
  let startKey: Record<string, unknown> | undefined;
  do {
    const out = await client.send(new QueryCommand({ ...input, ExclusiveStartKey: startKey }));
    calls++;
    for (const item of out.Items ?? []) {
      if (items.length >= limit) break;
      items.push(item);
    }
    startKey = out.LastEvaluatedKey;
  } while (startKey && items.length < limit);
  return { items, calls };
}

/**
 * One page of a listing for an API response: reads until `limit` items (a FilterExpression may thin DynamoDB's
 * pages) or the end, starting after `cursor`. A cursor is accepted only for the partition it came from
 * (`partition.attribute` must equal `partition.value`): a forged one cannot reach another tenant's keys — it is a 400.
 */
export async function queryPage(
  client: DynamoDBDocumentClient,
  input: Omit<QueryCommandInput, 'Limit' | 'ExclusiveStartKey'>,
  page: { readonly cursor?: string | undefined | undefined; readonly limit: number },
  partition: { readonly attribute: string; readonly value: string },
): Promise<{ items: Item[]; cursor?: string | undefined }> {
  let start: Record<string, unknown> | undefined;
  if (page.cursor !== undefined) start = startKeyFromCursor(page.cursor, input.IndexName, partition);
  const items: Item[] = [];
  do {
    const out = await client.send(
      new QueryCommand({ ...input, Limit: page.limit - items.length, ExclusiveStartKey: start }),
    );
    items.push(...(out.Items ?? []));
    start = out.LastEvaluatedKey;
  } while (start && items.length < page.limit);
  const cursor = encodeCursor(start);
  return cursor ? { items, cursor } : { items };
}

/**
 * The key attributes of the main table and of each index (see lib/tables.ts): a query's LastEvaluatedKey holds exactly
 * the table's keys plus, on an index, the index's keys — every one a string.
 */
const TABLE_KEYS = ['pk', 'sk'] as const;
const INDEX_KEYS: Readonly<Record<string, readonly string[]>> = {
  gsi1: ['gsi1pk', 'gsi1sk'],
  gsi2: ['gsi2pk', 'gsi2sk'],
};
/** DynamoDB's limits on key values (partition key 2,048 bytes, sort key 1,024 bytes); sort keys use the lower. */
const MAX_KEY_BYTES = 1024;

/**
 * The ExclusiveStartKey a cursor stands for, or a 400 `BAD_CURSOR`: a cursor is a client-held copy of a
 * LastEvaluatedKey, so it must carry exactly the key attributes of the queried table or index, each a non-empty string
 * of a size DynamoDB accepts, and come from the partition being read (a forged one cannot reach another tenant's
 * keys). Anything else would reach DynamoDB as a start key it rejects (`ValidationException`, a 500) or, worse, one
 * it accepts.
 */
export function startKeyFromCursor(
  cursor: string,
  indexName: string | undefined,
  partition: { readonly attribute: string; readonly value: string },
): Record<string, string> {
  const bad = () => new BadRequestError('BAD_CURSOR', 'Invalid cursor: pass back a cursor this listing returned');
  const decoded = decodeCursor(cursor);
  const expected = [...TABLE_KEYS, ...(indexName === undefined ? [] : (INDEX_KEYS[indexName] ?? []))];
  if (!decoded || Object.keys(decoded).length !== expected.length) throw bad();
  const key: Record<string, string> = {};
  for (const name of expected) {
    const value = Object.hasOwn(decoded, name) ? decoded[name] : undefined;
    if (typeof value !== 'string' || value === '' || Buffer.byteLength(value) > MAX_KEY_BYTES) throw bad();
    key[name] = value;
  }
  if (key[partition.attribute] !== partition.value) throw bad();
  return key;
}

/** Cursor for paginated API responses: the opaque base64url of a LastEvaluatedKey. */
export function encodeCursor(key: Record<string, unknown> | undefined): string | undefined {
  return key ? Buffer.from(JSON.stringify(key)).toString('base64url') : undefined;
}

export function decodeCursor(cursor: string | undefined): Record<string, unknown> | undefined {
  if (!cursor) return undefined;
  try {
    const value: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    return value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

const MAX_GET_KEYS = 100;

/**
 * Reads any number of keys with consistent BatchGetItem calls of ≤100 keys (a few in flight) and retries
 * `UnprocessedKeys` with exponential backoff and jitter; throws rather than return a partial answer.
 */
export async function batchGetAll(
  client: DynamoDBDocumentClient,
  table: string,
  keys: readonly Record<string, unknown>[],
  options: { maxAttempts?: number; baseDelayMs?: number; concurrency?: number } = {},
): Promise<Item[]> {
  const maxAttempts = options.maxAttempts ?? 8;
  const baseDelayMs = options.baseDelayMs ?? 25;
  const batches: Record<string, unknown>[][] = [];
  for (let i = 0; i < keys.length; i += MAX_GET_KEYS) batches.push(keys.slice(i, i + MAX_GET_KEYS));
  const pages = await mapLimit(batches, options.concurrency ?? 4, async (batch) => {
    const items: Item[] = [];
    let pending: Record<string, unknown>[] = batch;
    for (let attempt = 1; pending.length > 0; attempt++) {
      if (attempt > maxAttempts)
        throw new Error(`BatchGet left ${pending.length} keys unprocessed after ${maxAttempts} attempts`);
      if (attempt > 1) await new Promise((r) => setTimeout(r, Math.random() * baseDelayMs * 2 ** (attempt - 1)));
      const out: BatchGetCommandOutput = await client.send(
        new BatchGetCommand({ RequestItems: { [table]: { Keys: pending, ConsistentRead: true } } }),
      );
      items.push(...(out.Responses?.[table] ?? []));
      pending = out.UnprocessedKeys?.[table]?.Keys ?? [];
    }
    return items;
  });
  return pages.flat();
}

const backoff = (attempt: number, base: number) => Math.random() * base * 2 ** (attempt - 1);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * A failed `ConditionExpression`: the one test adapters use. A bundle holds one copy of the SDK, and the local runtime
 * runs the handler modules with the SDK they import, so the class is the one the client throws.
 */
export function isConditionFailure(error: unknown): error is ConditionalCheckFailedException {
  return error instanceof ConditionalCheckFailedException;
}
