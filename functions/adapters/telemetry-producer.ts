import { KinesisClient, PutRecordCommand } from '@aws-sdk/client-kinesis';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import type { TelemetryRecord } from '#domain/alerts/schemas.ts';
import { createSdkClient } from './sdk-client.ts';

/** Where the ingest puts telemetry batches: one Kinesis record per batch. */
export interface TelemetrySink {
  put(record: TelemetryRecord): Promise<void>;
}

/**
 * The telemetry stream's producer. Partition key = tenant + agent: an agent's batches land on one shard, in order, so
 * the processor sees them in the order they were sent. HTTP/1.1 keep-alive handler: PutRecord needs no HTTP/2, and
 * it is the protocol kinesalite speaks locally. The client is configured by sdk-client.ts (stack resolved once, no
 * unused logging): the ingest makes one PutRecord per frame.
 */
export class KinesisTelemetrySink implements TelemetrySink {
  constructor(
    private readonly client: KinesisClient,
    private readonly streamName: string,
  ) {}

  static forStream(streamName: string): KinesisTelemetrySink {
    return new KinesisTelemetrySink(
      createSdkClient(KinesisClient, { requestHandler: new NodeHttpHandler() }),
      streamName,
    );
  }

  async put(record: TelemetryRecord): Promise<void> {
    await this.client.send(
      new PutRecordCommand({
        StreamName: this.streamName,
        PartitionKey: `${record.tenant}#${record.agent}`,
        Data: Buffer.from(JSON.stringify(record)),
      }),
    );
  }
}
