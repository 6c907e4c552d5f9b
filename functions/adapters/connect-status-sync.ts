import {
  ConnectClient,
  PutUserStatusCommand,
  ThrottlingException,
  TooManyRequestsException,
} from '@aws-sdk/client-connect';
import type { ConnectStatusClient } from '#domain/status-connect-sync.ts';

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
