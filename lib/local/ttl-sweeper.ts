import { type DynamoDBDocumentClient, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { batchWriteAll } from '../../functions/adapters/dynamo.ts';
import type { TableDefinition } from '../tables.ts';
import type { LocalLog } from './local-aws.ts';

/**
 * dynalite has no TTL: this emulates DynamoDB's background deletion of expired items. It is part of the emulated
 * database, not of the application — so a full-table Scan is what it must do (the real service does the same
 * internally). Readers still filter expired items themselves, as they must in the cloud, where deletion is lazy.
 */
export async function sweepExpired(
  client: DynamoDBDocumentClient,
  tableName: string,
  def: TableDefinition,
  nowMs = Date.now(),
): Promise<number> {
  const now = Math.floor(nowMs / 1000);
  const keys: Record<string, unknown>[] = [];
  let startKey: Record<string, unknown> | undefined;
  do {
    const out = await client.send(
      new ScanCommand({
        TableName: tableName,
        FilterExpression: '#ttl < :now',
        ExpressionAttributeNames: { '#ttl': def.ttlAttribute },
        ExpressionAttributeValues: { ':now': now },
        ExclusiveStartKey: startKey,
      }),
    );
    for (const item of out.Items ?? []) {
      const key: Record<string, unknown> = { [def.partitionKey]: item[def.partitionKey] };
      if (def.sortKey) key[def.sortKey] = item[def.sortKey];
      keys.push(key);
    }
    startKey = out.LastEvaluatedKey;
  } while (startKey);
  await batchWriteAll(
    client,
    tableName,
    keys.map((Key) => ({ DeleteRequest: { Key } })),
  );
  return keys.length;
}

/** Sweeps every table every `intervalMs`; returns a stop function. */
export function startTtlSweeper(
  client: DynamoDBDocumentClient,
  tables: ReadonlyArray<{ name: string; def: TableDefinition }>,
  intervalMs: number,
  log: LocalLog,
): () => void {
  let running = false;
  const timer = setInterval(() => {
    if (running) return;
    running = true;
    Promise.all(tables.map(({ name, def }) => sweepExpired(client, name, def)))
      .then((counts) => {
        const total = counts.reduce((a, b) => a + b, 0);
        if (total > 0) log('info', 'TTL sweeper deleted expired items', { deleted: total });
      })
      .catch((error: unknown) => log('warn', 'TTL sweep failed', { error: String(error) }))
      .finally(() => {
        running = false;
      });
  }, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
