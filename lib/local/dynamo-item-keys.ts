import type { AttributeValue } from '@aws-sdk/client-dynamodb';

/**
 * Which items a DynamoDB request touches, as lock keys of lib/local/key-locks.ts: `table NUL key` with the key's
 * attributes in name order, so that a `Key` and the key attributes of an `Item` name one item alike.
 */
type Key = Record<string, AttributeValue>;

/** The key attribute names of each table (DescribeTable once per table; failures are not kept). */
export class KeySchemas {
  private readonly known = new Map<string, Promise<readonly string[]>>();

  constructor(private readonly describe: (table: string) => Promise<readonly string[]>) {}

  of(table: string): Promise<readonly string[]> {
    let names = this.known.get(table);
    if (!names) {
      names = this.describe(table);
      this.known.set(table, names);
      names.catch(() => this.known.delete(table));
    }
    return names;
  }

  /** The key of an item (or of a `Key` with extra attributes): only the table's key attributes. */
  async keyOf(table: string, itemOrKey: Key): Promise<Key> {
    const names = await this.of(table);
    return Object.fromEntries(names.map((n) => [n, itemOrKey[n] as AttributeValue]));
  }
}

export function itemId(table: string, key: Key): string {
  const names = Object.keys(key).sort();
  return `${table}\u0000${JSON.stringify(names.map((n) => [n, key[n]]))}`;
}

/** The operations that lock the items they name, and how: reads share, writes exclude. */
export const LOCKING_OPERATIONS: Readonly<Record<string, 'read' | 'write'>> = {
  GetItem: 'read',
  BatchGetItem: 'read',
  PutItem: 'write',
  UpdateItem: 'write',
  DeleteItem: 'write',
  BatchWriteItem: 'write',
};

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * The ids of the items a single-item or batch request names; undefined when the request is malformed (dynalite then
 * refuses it and touches nothing) or names a table that does not exist.
 */
export async function requestItemIds(
  operation: string,
  body: unknown,
  schemas: KeySchemas,
): Promise<string[] | undefined> {
  if (!isObject(body)) return undefined;
  const ids: string[] = [];
  const add = async (table: unknown, key: unknown, isItem: boolean): Promise<boolean> => {
    if (typeof table !== 'string' || !isObject(key)) return false;
    ids.push(itemId(table, isItem ? await schemas.keyOf(table, key as Key) : (key as Key)));
    return true;
  };
  try {
    switch (operation) {
      case 'GetItem':
      case 'UpdateItem':
      case 'DeleteItem':
        return (await add(body.TableName, body.Key, false)) ? ids : undefined;
      case 'PutItem':
        return (await add(body.TableName, body.Item, true)) ? ids : undefined;
      case 'BatchGetItem': {
        if (!isObject(body.RequestItems)) return undefined;
        for (const [table, request] of Object.entries(body.RequestItems)) {
          if (!isObject(request) || !Array.isArray(request.Keys)) return undefined;
          for (const key of request.Keys) if (!(await add(table, key, false))) return undefined;
        }
        return ids;
      }
      case 'BatchWriteItem': {
        if (!isObject(body.RequestItems)) return undefined;
        for (const [table, requests] of Object.entries(body.RequestItems)) {
          if (!Array.isArray(requests)) return undefined;
          for (const request of requests) {
            const put = isObject(request) && isObject(request.PutRequest) ? request.PutRequest.Item : undefined;
            const del = isObject(request) && isObject(request.DeleteRequest) ? request.DeleteRequest.Key : undefined;
            const ok = put !== undefined ? await add(table, put, true) : await add(table, del, false);
            if (!ok) return undefined;
          }
        }
        return ids;
      }
      default:
        return undefined;
    }
  } catch {
    // DescribeTable failed: no such table, which dynalite reports itself.
    return undefined;
  }
}
