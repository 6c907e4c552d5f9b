import { KinesisClient, PutRecordCommand } from '@aws-sdk/client-kinesis';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import type { TelemetryRecord } from '#domain/alerts/schemas.ts';

/** Where the ingest puts telemetry batches: one Kinesis record per batch. */
export interface TelemetrySink {
  put(record: TelemetryRecord): Promise<void>;
}

/**
 * The telemetry stream's producer. Partition key = tenant + agent: an agent's batches land on one shard, in order, so
 * the processor sees them in the order they were sent. HTTP/1.1 keep-alive handler: PutRecord needs no HTTP/2, and
 * it is the protocol kinesalite speaks locally. `cacheMiddleware`: the SDK otherwise rebuilds and resolves the whole
 * middleware stack on every `send`; this client sends one command class with no per-call options or middleware, so the
 * resolved handler is reused — about a quarter of the SDK's CPU per PutRecord, and the ingest makes one per frame.
 */
export class KinesisTelemetrySink implements TelemetrySink {
  constructor(
    private readonly client: KinesisClient,
    private readonly streamName: string,
  ) {}

  static forStream(streamName: string): KinesisTelemetrySink {
    return new KinesisTelemetrySink(
      new KinesisClient({ requestHandler: new NodeHttpHandler(), cacheMiddleware: true }),
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
