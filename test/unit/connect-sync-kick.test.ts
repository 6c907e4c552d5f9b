import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { KickingSyncQueue } from '../../functions/adapters/connect-status-sync.ts';

const lambda = mockClient(LambdaClient);
beforeEach(() => lambda.reset());

const item = { tenant: 'acme', agent: 'alice', status: 'away' as const, seq: 3, enqueuedAt: 1_000 };

describe('PutUserStatus queue producers', () => {
  it('enqueue, then start the paced worker at once (async invoke)', async () => {
    // Prepare
    const order: string[] = [];
    lambda.on(InvokeCommand).callsFake(async () => {
      order.push('invoke');
      return { StatusCode: 202 };
    });
    const queue = new KickingSyncQueue(
      { enqueue: async () => void order.push('enqueue') },
      new LambdaClient({ region: 'us-east-1' }),
      () => 'SyncWorker',
      () => undefined,
    );
    // Act
    await queue.enqueue(item);
    // Assess
    expect(order).toEqual(['enqueue', 'invoke']);
    expect(lambda.commandCalls(InvokeCommand)[0]?.args[0].input).toMatchObject({
      FunctionName: 'SyncWorker',
      InvocationType: 'Event',
    });
  });

  it('keeps the queued item when the kick fails (the schedule drains it) and says so', async () => {
    lambda.on(InvokeCommand).rejects(new Error('TooManyRequestsException'));
    const warnings: string[] = [];
    const queued: unknown[] = [];
    const queue = new KickingSyncQueue(
      { enqueue: async (i) => void queued.push(i) },
      new LambdaClient({ region: 'us-east-1' }),
      () => 'SyncWorker',
      (m) => void warnings.push(m),
    );
    await expect(queue.enqueue(item)).resolves.toBeUndefined();
    expect(queued).toEqual([item]);
    expect(warnings).toHaveLength(1);
  });

  it('does not start the worker when the enqueue itself failed', async () => {
    const queue = new KickingSyncQueue(
      { enqueue: async () => Promise.reject(new Error('throttled')) },
      new LambdaClient({ region: 'us-east-1' }),
      () => 'SyncWorker',
      () => undefined,
    );
    await expect(queue.enqueue(item)).rejects.toThrow('throttled');
    expect(lambda.commandCalls(InvokeCommand)).toHaveLength(0);
  });
});
