import {
  ConnectClient,
  PutUserStatusCommand,
  ThrottlingException,
  TooManyRequestsException,
} from '@aws-sdk/client-connect';
import type { LambdaClient } from '@aws-sdk/client-lambda';
import type { ConnectStatusClient } from '#domain/status-connect-sync.ts';
import type { SyncItem } from '#domain/status-ports.ts';
import { invokeAsync } from './lambda-invoke.ts';

/** PutUserStatus on one Connect instance; a 429 comes back as `throttled` (the queue keeps the item). */
export class SdkConnectStatusClient implements ConnectStatusClient {
  constructor(
    private readonly client: Pick<ConnectClient, 'send'>,
    private readonly instanceId: string,
  ) {}

  static forInstance(instanceId: string): SdkConnectStatusClient {
    // The queue does the retrying at its own pace; SDK retries would burst on top of it.
    return new SdkConnectStatusClient(new ConnectClient({ maxAttempts: 1 }), instanceId);
  }

  async putUserStatus(userId: string, agentStatusId: string): Promise<'ok' | 'throttled'> {
    try {
      await this.client.send(
        new PutUserStatusCommand({ InstanceId: this.instanceId, UserId: userId, AgentStatusId: agentStatusId }),
      );
      return 'ok';
    } catch (error) {
      if (
        error instanceof TooManyRequestsException ||
        error instanceof ThrottlingException ||
        (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode === 429
      )
        return 'throttled';
      throw error;
    }
  }
}

/**
 * The PutUserStatus queue as producers see it: enqueue, then start the paced worker at once with an asynchronous
 * invoke, so Connect hears of a change within seconds rather than at the next one-minute schedule. The worker holds a
 * lease, so a kick while it runs costs one short invocation and never doubles the pace; a kick that fails is only
 * logged — the schedule still drains the queue.
 */
export class KickingSyncQueue {
  constructor(
    private readonly queue: { enqueue(item: Omit<SyncItem, 'attempts' | 'notBefore'>): Promise<void> },
    private readonly lambda: LambdaClient,
    private readonly workerName: () => string,
    private readonly warn: (message: string, details: Record<string, unknown>) => void,
  ) {}

  async enqueue(item: Omit<SyncItem, 'attempts' | 'notBefore'>): Promise<void> {
    await this.queue.enqueue(item);
    try {
      // The worker needs no input: it drains whatever is queued.
      await invokeAsync(this.lambda, this.workerName(), {});
    } catch (error) {
      this.warn('Could not start the Connect sync worker; the schedule will', { error: (error as Error).message });
    }
  }
}
