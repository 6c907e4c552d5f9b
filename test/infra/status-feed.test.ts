import { beforeAll, describe, expect, it } from 'vitest';
import { HANDLERS } from '../../lib/registry/index.ts';
import {
  actionsOf,
  functionParts,
  logicalId,
  resourcesOf,
  type Statement,
  type SynthResult,
  synthApp,
} from './support.ts';

/** The status feed in the synthesized stacks: its stream, the enhanced fan-out consumer and who may write to it. */
describe('status feed wiring', () => {
  let s: SynthResult;
  let streamId: string;
  beforeAll(() => {
    s = synthApp();
    streamId = logicalId(s.stateful.streams.statusFeed);
  });

  const fnParts = (name: string) => functionParts(s, name);
  const onStream = (st: Statement) => JSON.stringify(st.Resource).includes(streamId);

  it('creates the stream encrypted, 24 h, provisioned', () => {
    const [, stream] = resourcesOf(s.statefulTemplate, 'AWS::Kinesis::Stream').find(([id]) => id === streamId) ?? [];
    expect(stream?.Properties).toMatchObject({
      RetentionPeriodHours: 24,
      ShardCount: 1,
      StreamEncryption: { EncryptionType: 'KMS', KeyId: 'alias/aws/kinesis' },
    });
  });

  it('StreamStatusFeed reads it through an enhanced fan-out consumer, with partial batch failures', () => {
    const { id, statements } = fnParts('StreamStatusFeed');
    const consumers = resourcesOf(s.apiTemplate, 'AWS::Kinesis::StreamConsumer').filter(([, c]) =>
      JSON.stringify(c.Properties).includes(streamId),
    );
    expect(consumers).toHaveLength(1);
    const [consumerId, consumer] = consumers[0] ?? [];
    expect(JSON.stringify(consumer?.Properties)).toContain(streamId);
    const mapping = resourcesOf(s.apiTemplate, 'AWS::Lambda::EventSourceMapping').find(
      ([, r]) =>
        JSON.stringify((r.Properties as { FunctionName?: unknown }).FunctionName) === JSON.stringify({ Ref: id }),
    );
    const props = mapping?.[1].Properties as Record<string, unknown>;
    // The mapping's source is the consumer (pushes, ≈70 ms), not the stream (a poll per shard per second).
    expect(JSON.stringify(props.EventSourceArn)).toContain(String(consumerId));
    expect(props).toMatchObject({
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      BisectBatchOnFunctionError: true,
      MaximumRetryAttempts: 5,
    });
    const actions = statements.flatMap(actionsOf);
    expect(actions).toContain('kinesis:SubscribeToShard');
    // It reads; it never writes the stream, and gets no stream variable.
    expect(actions.filter((a) => /^kinesis:Put/.test(a))).toEqual([]);
    expect(Object.keys(fnParts('StreamStatusFeed').env).filter((k) => k.startsWith('STREAM_'))).toEqual([]);
  });

  it('exactly the functions that change statuses may put records on it', () => {
    const writers = HANDLERS.filter((h) => h.access.writesStreams?.includes('statusFeed')).map((h) => h.name);
    expect(writers.sort()).toEqual(
      [
        'HttpApprovalDecide',
        'HttpStatusAgentSet',
        'HttpStatusMeSet',
        'ScheduleStatusInactivity',
        'StreamAgentEvents',
        'WsStatusSet',
      ].sort(),
    );
    for (const h of HANDLERS) {
      const { env, statements } = fnParts(h.name);
      const puts = statements.filter((st) => onStream(st) && actionsOf(st).some((a) => /^kinesis:Put/.test(a)));
      if (writers.includes(h.name)) {
        expect(puts, h.name).not.toEqual([]);
        expect(env.STREAM_STATUS_FEED, h.name).toBeDefined();
      } else {
        expect(puts, h.name).toEqual([]);
        expect(env.STREAM_STATUS_FEED, h.name).toBeUndefined();
      }
    }
  });
});
