import { KinesisClient, PutRecordCommand } from '@aws-sdk/client-kinesis';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import type { ServerEvent } from '#domain/notifier.ts';
import type { FeedRecord } from '#domain/status-feed.ts';
import type { StatusChangeFeed } from '#domain/status-ports.ts';
import { createSdkClient } from './sdk-client.ts';

/**
 * The producer side of the status feed: one Kinesis record per event, partition key = tenant, so a tenant's events
 * stay in order on one shard and its consumer run sees them together. The SDK retries a failed put (3 attempts with
 * backoff); if it still fails the change is saved but missing from the live feed — the caller logs it, and consoles
 * get it with their next snapshot (`subscribeStatus` after a reconnect). HTTP/1.1 keep-alive handler: PutRecord needs
 * no HTTP/2, and it is the protocol kinesalite speaks locally. Configured by sdk-client.ts.
 */
export class KinesisStatusFeed implements StatusChangeFeed {
  private client: KinesisClient | undefined;

  constructor(
    private readonly streamName: string,
    client?: KinesisClient,
  ) {
    this.client = client;
  }

  async publish(
    tenant: string,
    event: ServerEvent,
    options: { readonly agent?: string; readonly origin?: string } = {},
  ): Promise<void> {
    // Created on first use: functions that never change a status build no Kinesis client.
    this.client ??= createSdkClient(KinesisClient, { requestHandler: new NodeHttpHandler() });
    const record: FeedRecord = {
      tenant,
      event,
      ...(options.agent ? { agent: options.agent } : {}),
      ...(options.agent && options.origin ? { origin: options.origin } : {}),
    };
    await this.client.send(
      new PutRecordCommand({
        StreamName: this.streamName,
        PartitionKey: tenant,
        Data: Buffer.from(JSON.stringify(record)),
      }),
    );
  }
}
