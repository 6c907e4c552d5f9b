import type { KinesisStreamEvent, KinesisStreamRecord } from 'aws-lambda';
import { compactBatch } from '../../functions/domain/alerts/samples.ts';
import { telemetryBodySchema } from '../../functions/domain/alerts/schemas.ts';

/** Softphone stats as amazon-connect-streams reports them: one entry per stream per second. */
export function secondOfStats(
  atMs: number,
  network: { lossPercent?: number; rttMs?: number; jitterMs?: number } = {},
): Array<Record<string, unknown>> {
  const counted = 50;
  const loss = network.lossPercent ?? 0;
  // lost / (lost + counted) = loss %
  const lost = loss >= 100 ? counted : Math.round((counted * loss) / (100 - loss));
  const timestamp = new Date(atMs).toISOString();
  return [
    {
      softphoneStreamType: 'audio_input',
      timestamp,
      packetsLost: 0,
      packetsCount: counted,
      audioLevel: 120,
      jitterBufferMillis: network.jitterMs ?? 5,
      roundTripTimeMillis: null,
    },
    {
      softphoneStreamType: 'audio_output',
      timestamp,
      packetsLost: lost,
      packetsCount: counted,
      audioLevel: 300,
      jitterBufferMillis: network.jitterMs ?? 5,
      roundTripTimeMillis: network.rttMs ?? 50,
    },
  ];
}

/** `seconds` consecutive seconds of stats starting at `startMs`. */
export function statsFor(startMs: number, seconds: number, network: Parameters<typeof secondOfStats>[1] = {}) {
  return Array.from({ length: seconds }, (_, i) => secondOfStats(startMs + i * 1000, network)).flat();
}

/** A telemetry record as the ingest writes it to the stream, from a client batch (`stats`, `errors`, `system`, …). */
export function telemetryRecord(
  tenant: string,
  agent: string,
  fields: Record<string, unknown>,
  receivedAt = Date.parse('2026-03-02T10:00:00Z'),
): Record<string, unknown> {
  const { contactId, ...batch } = fields;
  const body = telemetryBodySchema.parse({ stats: [], ...batch });
  return {
    v: 1,
    tenant,
    agent,
    receivedAt,
    ...(typeof contactId === 'string' ? { contactId } : {}),
    ...compactBatch(body, receivedAt),
  };
}

let seq = 0;
/** A Kinesis record as the Lambda event source (and the local poller) delivers it. */
export function kinesisRecord(data: unknown, partitionKey = 'p'): KinesisStreamRecord {
  const text = typeof data === 'string' ? data : JSON.stringify(data);
  const sequenceNumber = String(++seq).padStart(20, '0');
  return {
    kinesis: {
      kinesisSchemaVersion: '1.0',
      partitionKey,
      sequenceNumber,
      data: Buffer.from(text).toString('base64'),
      approximateArrivalTimestamp: 0,
    },
    eventSource: 'aws:kinesis',
    eventVersion: '1.0',
    eventID: `shardId-000000000000:${sequenceNumber}`,
    eventName: 'aws:kinesis:record',
    invokeIdentityArn: 'arn:aws:iam::000000000000:role/x',
    awsRegion: 'us-east-1',
    eventSourceARN: 'arn:aws:kinesis:us-east-1:000000000000:stream/telemetry',
  };
}

export const kinesisEvent = (records: KinesisStreamRecord[]): KinesisStreamEvent => ({ Records: records });
