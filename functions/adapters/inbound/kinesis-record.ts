import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import type { Context, KinesisStreamBatchResponse, KinesisStreamRecord } from 'aws-lambda';
import type * as z from 'zod';
import { logger } from '#shared/powertools.ts';

/** A Kinesis record decoded and validated, or the reason it is malformed (logged and skipped, never retried). */
export type Decoded<T> = { ok: true; value: T } | { ok: false; reason: string };

/** base64 → JSON → zod: the whole decode of one Kinesis record, shared by every stream consumer. */
export function decodeKinesisRecord<T>(record: KinesisStreamRecord, schema: z.ZodType<T>): Decoded<T> {
  let json: unknown;
  try {
    json = JSON.parse(Buffer.from(record.kinesis.data, 'base64').toString('utf8'));
  } catch {
    return { ok: false, reason: 'not JSON' };
  }
  const result = schema.safeParse(json);
  if (result.success) return { ok: true, value: result.data };
  const issue = result.error.issues[0];
  return { ok: false, reason: issue ? `${issue.path.join('.')}: ${issue.message}` : 'invalid' };
}

/**
 * The loop every stream consumer starts with: each record of the batch decoded once, in stream order, the good ones
 * handed to `onRecord`. A malformed record is logged (`what` names the stream's records) with its sequence number,
 * partition key and reason, and skipped — retrying cannot fix it and would hold up every record after it on the
 * shard. Returns how many were malformed.
 */
export function decodeBatch<T>(
  records: readonly KinesisStreamRecord[],
  decode: (record: KinesisStreamRecord) => Decoded<T>,
  what: string,
  onRecord: (value: T, record: KinesisStreamRecord) => void,
): number {
  let malformed = 0;
  for (const r of records) {
    const item = decode(r);
    if (item.ok) {
      onRecord(item.value, r);
      continue;
    }
    malformed++;
    logger.warn(`Malformed ${what} skipped`, {
      sequenceNumber: r.kinesis.sequenceNumber,
      partitionKey: r.kinesis.partitionKey,
      reason: item.reason,
    });
  }
  return malformed;
}

/**
 * A consumer's answer with ReportBatchItemFailures: Powertools' partial batch response naming the records `failed`
 * holds (none failed, the usual batch: the answer Powertools would give, without its pass over the records). Lambda
 * (and the local poller) checkpoint before the lowest failed sequence number and deliver everything from it again.
 */
export async function partialBatchResponse(
  records: KinesisStreamRecord[],
  failed: ReadonlySet<KinesisStreamRecord>,
  context?: Context,
): Promise<KinesisStreamBatchResponse> {
  if (failed.size === 0) return { batchItemFailures: [] };
  const verdict = (record: KinesisStreamRecord): void => {
    if (failed.has(record)) throw new Error('Record failed; retried from the lowest failed sequence number');
  };
  // A processor per answer: it keeps the batch's state while it runs, and invocations may overlap locally (one poller
  // per shard); the path is taken only when something failed.
  const processor = new BatchProcessor(EventType.KinesisDataStreams);
  return (await processPartialResponse({ Records: records }, verdict, processor, {
    ...(context ? { context } : {}),
    processInParallel: false,
    throwOnFullBatchFailure: false,
  })) as KinesisStreamBatchResponse;
}
