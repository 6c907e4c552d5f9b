import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import type { Context, KinesisStreamBatchResponse, KinesisStreamEvent, KinesisStreamRecord } from 'aws-lambda';
import { type ProcessorDeps, prepareBatch, processRecord } from '#domain/alerts/processor.ts';
import { type TelemetryRecord, telemetryRecordSchema } from '#domain/alerts/schemas.ts';
import { logger } from '#shared/powertools.ts';
import { type Decoded, decodeKinesisRecord } from './kinesis-record.ts';

type Parsed = Decoded<TelemetryRecord>;

/** base64 → JSON → zod: the whole decode of one Kinesis record (the benchmark measures it alone too). */
export const decodeTelemetry = (record: KinesisStreamRecord): Parsed =>
  decodeKinesisRecord(record, telemetryRecordSchema);

export type TelemetryBatchStats = Record<string, number>;

/**
 * The telemetry stream's consumer (Powertools batch, partial failures). Records are decoded once, the batch's
 * settings, Connect bindings, agent statuses and breach states read once, then records are applied in order.
 *
 * Failure policy, as for agent events: a malformed record is reported (logged with its sequence number and reason,
 * counted) and skipped — retrying cannot fix it and would hold up every agent on the shard. A transient failure fails
 * that record and every later one, so an agent's samples are retried in order.
 */
export function telemetryConsumer(deps: ProcessorDeps, onBatch?: (stats: TelemetryBatchStats) => void) {
  const processor = new BatchProcessor(EventType.KinesisDataStreams);
  return async (event: KinesisStreamEvent, context: Context): Promise<KinesisStreamBatchResponse> => {
    const parsed = new Map<string, Parsed>();
    const good: TelemetryRecord[] = [];
    for (const r of event.Records) {
      const p = decodeTelemetry(r);
      parsed.set(r.kinesis.sequenceNumber, p);
      if (p.ok) good.push(p.value);
    }
    const stats: TelemetryBatchStats = {};
    const count = (k: string) => {
      stats[k] = (stats[k] ?? 0) + 1;
    };
    let failedEarlier = false;
    let ctx: Awaited<ReturnType<typeof prepareBatch>> | undefined;
    try {
      ctx = await prepareBatch(deps, good);
    } catch (error) {
      logger.error('Telemetry batch reads failed; the batch is retried', { error: error as Error });
      failedEarlier = true;
    }
    const handleRecord = async (record: KinesisStreamRecord): Promise<void> => {
      if (failedEarlier || !ctx) {
        count('deferred');
        throw new Error('An earlier record of the batch failed; retried in order');
      }
      const item = parsed.get(record.kinesis.sequenceNumber) ?? decodeTelemetry(record);
      if (!item.ok) {
        count('malformed');
        logger.warn('Malformed telemetry record skipped', {
          sequenceNumber: record.kinesis.sequenceNumber,
          partitionKey: record.kinesis.partitionKey,
          reason: item.reason,
        });
        return;
      }
      try {
        count(await processRecord(deps, ctx, item.value));
      } catch (error) {
        failedEarlier = true;
        count('failed');
        logger.error('Telemetry record failed; will be retried', {
          sequenceNumber: record.kinesis.sequenceNumber,
          tenant: item.value.tenant,
          agent: item.value.agent,
          error: error as Error,
        });
        throw error;
      }
    };
    const response = await processPartialResponse(event, handleRecord, processor, {
      context,
      processInParallel: false,
      throwOnFullBatchFailure: false,
    });
    logger.info('Telemetry batch', { records: event.Records.length, ...stats });
    onBatch?.(stats);
    return response as KinesisStreamBatchResponse;
  };
}
