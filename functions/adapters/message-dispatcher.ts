import type { LambdaClient } from '@aws-sdk/client-lambda';
import type { DeferredReceipts, DeliveredReceipts, FanOutDispatcher, ShardDispatcher } from '#domain/message-ports.ts';
import { invokeAsync } from './lambda-invoke.ts';

/** The worker's event: which message to fan out. Everything else is read from the durable message record. */
export interface FanOutEvent {
  readonly tenant: string;
  readonly messageId: string;
}

/**
 * Starts the fan-out worker with an asynchronous invoke (`InvocationType: 'Event'`): Lambda queues the event, answers
 * 202 at once and retries a failed run twice. Locally the same call reaches the runtime's Invoke emulator through
 * `AWS_ENDPOINT_URL_LAMBDA`.
 */
export class LambdaFanOutDispatcher implements FanOutDispatcher {
  constructor(
    private readonly client: LambdaClient,
    private readonly functionName: string,
  ) {}

  async dispatch(tenant: string, messageId: string): Promise<void> {
    const event: FanOutEvent = { tenant, messageId };
    await invokeAsync(this.client, this.functionName, event);
  }
}

/** A shard worker's event: which shard of which message's plan (the plan itself is on the message). */
export interface FanOutShardEvent extends FanOutEvent {
  readonly shard: number;
}

/**
 * Starts shard workers, one async invoke per shard, all at once: Lambda runs them in parallel execution environments
 * (and retries each failed one twice), so a send's delivery time is that of one shard.
 */
export class LambdaShardDispatcher implements ShardDispatcher {
  constructor(
    private readonly client: LambdaClient,
    private readonly functionName: string,
  ) {}

  async dispatchShards(tenant: string, messageId: string, shards: readonly number[]): Promise<void> {
    await Promise.all(
      shards.map((shard) => {
        const event: FanOutShardEvent = { tenant, messageId, shard };
        return invokeAsync(this.client, this.functionName, event);
      }),
    );
  }
}

/** Hands delivered marks to the receipts worker with an asynchronous invoke (Lambda retries a failed run twice). */
export class LambdaDeferredReceipts implements DeferredReceipts {
  constructor(
    private readonly client: LambdaClient,
    private readonly functionName: string,
  ) {}

  async markDeliveredLater(receipts: DeliveredReceipts): Promise<void> {
    await invokeAsync(this.client, this.functionName, receipts);
  }
}
