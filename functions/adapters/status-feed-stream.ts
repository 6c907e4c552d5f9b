import { KinesisClient, PutRecordCommand } from '@aws-sdk/client-kinesis';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import type { Context, KinesisStreamBatchResponse, KinesisStreamEvent, KinesisStreamRecord } from 'aws-lambda';
import type { ServerEvent } from '#domain/notifier.ts';
import { deliverFeedBatch, type FeedDeliveryPorts, type FeedRecord } from '#domain/status-feed.ts';
import type { StatusChangeFeed } from '#domain/status-ports.ts';
import { feedRecordSchema } from '#domain/status-schemas.ts';
import { logger } from '#shared/powertools.ts';
import { decodeBatch, decodeKinesisRecord, partialBatchResponse } from './kinesis-record.ts';

/**
 * The producer side of the status feed: one Kinesis record per event, partition key = tenant, so a tenant's events
 * stay in order on one shard and its consumer run sees them together. The SDK retries a failed put (3 attempts with
 * backoff); if it still fails the change is saved but missing from the live feed — the caller logs it, and consoles
 * get it with their next snapshot (`subscribeStatus` after a reconnect). HTTP/1.1 keep-alive handler: PutRecord needs
 * no HTTP/2, and it is the protocol kinesalite speaks locally.
 */
export class KinesisStatusFeed implements StatusChangeFeed {
  private client: KinesisClient | undefined;

  constructor(
    private readonly streamName: string,
    client?: KinesisClient,
  ) {
    this.client = client;
  }

  async publish(tenant: string, event: ServerEvent, options: { readonly agent?: string } = {}): Promise<void> {
    // Created on first use: functions that never change a status build no Kinesis client.
    this.client ??= new KinesisClient({ requestHandler: new NodeHttpHandler() });
    const record: FeedRecord = { tenant, event, ...(options.agent ? { agent: options.agent } : {}) };
    await this.client.send(
      new PutRecordCommand({
        StreamName: this.streamName,
        PartitionKey: tenant,
        Data: Buffer.from(JSON.stringify(record)),
      }),
    );
  }
}

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
