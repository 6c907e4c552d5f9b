import { setTimeout as sleep } from 'node:timers/promises';
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
 *
 * Paced: a run lasts at least `minRunMs` (it waits out the rest after its posts). Runs on a shard never overlap, so a
 * shard starts at most 1000 / minRunMs runs per second and each subscriber gets at most that many frames per second,
 * however fast changes come: what arrives meanwhile is the next run's batch. Without it a busy shard runs as fast as
 * records are pushed (≈ 14–20 runs/s), and every run posts to every subscriber: @connections messages are billed
 * one by one and cost the runtime's CPU locally. A change waits at most one pace for its frame.
 */
export function statusFeedConsumer(ports: FeedDeliveryPorts, options: { readonly minRunMs?: number } = {}) {
  const minRunMs = options.minRunMs ?? 0;
  return async (event: KinesisStreamEvent, context?: Context): Promise<KinesisStreamBatchResponse> => {
    const started = performance.now();
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
    const rest = started + minRunMs - performance.now();
    if (rest > 0) await sleep(rest);
    return partialBatchResponse(event.Records, new Set(firstFailed ? [firstFailed.record] : []), context);
  };
}
