import type { Context, KinesisStreamBatchResponse, KinesisStreamEvent, KinesisStreamRecord } from 'aws-lambda';
import { deliverFeedBatch, type FeedDeliveryPorts, type FeedRecord } from '#domain/status-feed.ts';
import { feedRecordSchema } from '#domain/status-schemas.ts';
import { logger } from '#shared/powertools.ts';
import { decodeBatch, decodeKinesisRecord, partialBatchResponse } from './kinesis-record.ts';

/**
 * The feed consumer: a batch of feed records becomes one `feed` frame per subscribed connection and tenant (see
 * status-feed.ts). A malformed record is logged and skipped, never retried. A tenant whose subscribers could not be
 * read fails from its first record on: Kinesis resumes from the lowest failed sequence number (later records of other
 * tenants are delivered again — clients apply events in order, so a repeat is harmless).
 */
export function statusFeedConsumer(ports: FeedDeliveryPorts) {
  return async (event: KinesisStreamEvent, context?: Context): Promise<KinesisStreamBatchResponse> => {
    const decoded: Array<{ record: KinesisStreamRecord; value: FeedRecord }> = [];
    const decode = (r: KinesisStreamRecord) => decodeKinesisRecord(r, feedRecordSchema);
    const malformed = decodeBatch(event.Records, decode, 'feed record', (value, record) =>
      decoded.push({ record, value: value as FeedRecord }),
    );
    const { frames, failedTenants } = await deliverFeedBatch(
      ports,
      decoded.map((d) => d.value),
    );
    logger.info('Feed batch', { records: event.Records.length, malformed, frames, failedTenants: failedTenants.size });
    const firstFailed = decoded.find((d) => failedTenants.has(d.value.tenant));
    return partialBatchResponse(event.Records, new Set(firstFailed ? [firstFailed.record] : []), context);
  };
}
