import { BatchGetCommand, type BatchGetCommandOutput, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { mapLimit } from '#shared/concurrency.ts';
import type { Item } from './dynamo.ts';

const MAX_KEYS = 100;

/**
 * Reads any number of keys with consistent BatchGetItem calls of ≤100 keys (a few in flight) and retries
 * `UnprocessedKeys` with exponential backoff and jitter; throws rather than return a partial answer.
 * (A sibling of `batchWriteAll` in dynamo.ts — it belongs there; kept here because that file has another owner.)
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
  for (let i = 0; i < keys.length; i += MAX_KEYS) batches.push(keys.slice(i, i + MAX_KEYS));
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
