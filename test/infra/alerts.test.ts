import { beforeAll, describe, expect, it } from 'vitest';
import {
  actionsOf,
  functionParts,
  logicalId,
  resourcesOf,
  type Statement,
  type SynthResult,
  synthApp,
} from './support.ts';

/** The alerts capability in the synthesized stacks: the telemetry stream, its consumer and least-privilege grants. */
describe('telemetry stream and alerts wiring', () => {
  let s: SynthResult;
  let streamId: string;
  beforeAll(() => {
    s = synthApp();
    streamId = logicalId(s.stateful.streams.telemetry);
  });

  const fnParts = (name: string) => functionParts(s, name);
  const actions = (statements: Statement[]) => statements.flatMap(actionsOf);
  const mentionsStream = (st: Statement) => JSON.stringify(st.Resource).includes(streamId);

  it('creates the telemetry stream: encrypted, 24 h, provisioned', () => {
    s.statefulTemplate.hasResourceProperties('AWS::Kinesis::Stream', {
      RetentionPeriodHours: 24,
      ShardCount: 1,
      StreamEncryption: { EncryptionType: 'KMS', KeyId: 'alias/aws/kinesis' },
    });
    expect(resourcesOf(s.statefulTemplate, 'AWS::Kinesis::Stream').map(([id]) => id)).toContain(streamId);
  });

  it('consumes it pushed, with partial batch failures, bisect on error, bounded retries and a failure queue', () => {
    const { id } = fnParts('StreamTelemetry');
    const mapping = resourcesOf(s.apiTemplate, 'AWS::Lambda::EventSourceMapping').find(
      ([, r]) =>
        JSON.stringify((r.Properties as { FunctionName?: unknown }).FunctionName) === JSON.stringify({ Ref: id }),
    );
    expect(mapping).toBeDefined();
    const props = mapping?.[1].Properties as Record<string, unknown>;
    // Through an enhanced fan-out consumer of the stream (pushes, ≈70 ms), not a poll per shard per second.
    const [consumerId, consumer] =
      resourcesOf(s.apiTemplate, 'AWS::Kinesis::StreamConsumer').find(([, c]) =>
        JSON.stringify(c.Properties).includes(streamId),
      ) ?? [];
    expect(consumer).toBeDefined();
    expect(JSON.stringify(props.EventSourceArn)).toContain(String(consumerId));
    expect(props).toMatchObject({
      BatchSize: 500,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      BisectBatchOnFunctionError: true,
      MaximumRetryAttempts: 5,
    });
    const destination = JSON.stringify(props.DestinationConfig);
    const queue = resourcesOf(s.apiTemplate, 'AWS::SQS::Queue').find(([qid]) => destination.includes(`"${qid}"`));
    expect(queue?.[0]).toMatch(/^StreamTelemetryFailures/);
  });

  it('lets the ingest functions put records on the telemetry stream only, with no push rights', () => {
    for (const name of ['WsTelemetry', 'HttpTelemetryPost']) {
      const { env, statements } = fnParts(name);
      expect(JSON.stringify(env.STREAM_TELEMETRY)).toContain('Telemetry');
      expect(env.WS_ENDPOINT).toBeUndefined();
      const kinesis = statements.filter((st) => actionsOf(st).some((a) => a.startsWith('kinesis:')));
      expect(kinesis.length).toBeGreaterThan(0);
      for (const st of kinesis) expect(mentionsStream(st)).toBe(true);
      expect(actions(statements)).not.toContain('execute-api:ManageConnections');
      // Reading the switch needs no write.
      expect(actions(statements)).not.toContain('dynamodb:PutItem');
    }
  });

  it('lets the processor read the stream and push, but not write to any stream', () => {
    const { env, statements } = fnParts('StreamTelemetry');
    expect(env.WS_ENDPOINT).toBeDefined();
    expect(env.STREAM_TELEMETRY).toBeUndefined();
    expect(actions(statements)).toEqual(expect.arrayContaining(['kinesis:GetRecords', 'dynamodb:PutItem']));
    expect(actions(statements)).not.toContain('kinesis:PutRecord');
  });

  it('gives read-only routes neither @connections nor write access', () => {
    for (const name of ['HttpAlertsMine', 'HttpAlertsQuery']) {
      const { env, statements } = fnParts(name);
      expect(env.WS_ENDPOINT).toBeUndefined();
      expect(actions(statements)).not.toContain('execute-api:ManageConnections');
      expect(actions(statements)).not.toContain('dynamodb:PutItem');
      expect(actions(statements)).not.toContain('dynamodb:UpdateItem');
    }
  });
});
