import { type DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import { batchGetAll, type Item } from './dynamo.ts';

type Key = Record<string, unknown>;

/** The key attributes of an item (or a key), in name order. */
const keyId = (item: Item, names: readonly string[]) => JSON.stringify(names.map((n) => [n, item[n]]));

/**
 * Several items that one use case needs at once, read strongly consistently in one request: a consistent
 * BatchGetItem (each item read is isolated and consistent, as a GetItem's) — a single key stays a plain GetItem.
 * Answers in the order of `keys` (undefined where no item exists). Used where a use case would otherwise send
 * several GetItems one after another (a status change's record, profile and Connect binding; the Connect worker's
 * checks of an item): one round trip and one request's fixed cost instead of three, the same read capacity.
 */
export async function getItems(
  client: DynamoDBDocumentClient,
  table: string,
  keys: readonly Key[],
): Promise<Array<Item | undefined>> {
  const [only] = keys;
  if (keys.length === 1 && only)
    return [(await client.send(new GetCommand({ TableName: table, Key: only, ConsistentRead: true }))).Item];
  const names = keys.map((k) => Object.keys(k).sort());
  const ids = keys.map((k, n) => keyId(k, names[n] ?? []));
  // BatchGetItem refuses a key named twice: each distinct key once.
  const distinct = [...new Map(keys.map((k, n) => [ids[n], k])).values()];
  const found = new Map<string, Item>();
  for (const item of await batchGetAll(client, table, distinct))
    for (const [n, id] of ids.entries()) if (keyId(item, names[n] ?? []) === id) found.set(id, item);
  return ids.map((id) => found.get(id));
}
