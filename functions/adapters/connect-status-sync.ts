import {
  ConnectClient,
  PutUserStatusCommand,
  ThrottlingException,
  TooManyRequestsException,
} from '@aws-sdk/client-connect';
import type { LambdaClient } from '@aws-sdk/client-lambda';
import { type ConnectStatusClient, LEASE_RELEASE_GRACE_MS } from '#domain/status-connect-sync.ts';
import type { ConnectBindingStore, ConnectSyncQueue } from '#domain/status-ports.ts';
import type { StatusConnectPort } from '#domain/status-service.ts';
import { invokeAsync } from './lambda-invoke.ts';
import { createSdkClient } from './sdk-client.ts';

/**
 * PutUserStatus on the instance named by its ARN (id and region come from the ARN); a 429 comes back as `throttled`
 * (the queue keeps the item). IAM allows exactly the configured instances, so an ARN outside them fails here too.
 */
export class SdkConnectStatusClient implements ConnectStatusClient {
  private readonly clients = new Map<string, Pick<ConnectClient, 'send'>>();

  constructor(private readonly clientFor: (region: string) => Pick<ConnectClient, 'send'> = defaultClient) {}

  async putUserStatus(instanceArn: string, userId: string, agentStatusId: string): Promise<'ok' | 'throttled'> {
    const { region, instanceId } = parseInstanceArn(instanceArn);
    let client = this.clients.get(region);
    if (!client) {
      client = this.clientFor(region);
      this.clients.set(region, client);
    }
    try {
      await client.send(
        new PutUserStatusCommand({ InstanceId: instanceId, UserId: userId, AgentStatusId: agentStatusId }),
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

// The queue does the retrying at its own pace; SDK retries would burst on top of it.
const defaultClient = (region: string) => createSdkClient(ConnectClient, { region, maxAttempts: 1 });

export function parseInstanceArn(arn: string): { region: string; instanceId: string } {
  const match = /^arn:aws[a-z-]*:connect:([a-z0-9-]+):\d{12}:instance\/([0-9a-f-]{36})$/.exec(arn);
  if (!match?.[1] || !match[2]) throw new Error(`Not a Connect instance ARN: ${arn}`);
  return { region: match[1], instanceId: match[2] };
}

/**
 * What status changes need of Connect: the instance bound to the tenant (a consistent read per change, so a fresh
 * binding counts at once), and a start of that instance's paced worker right after the commit, so Connect hears of a
 * change within seconds rather than at the next one-minute schedule — unless the instance's lease in `queue` shows a
 * worker draining already: one consistent read instead of an invocation that would lose the lease race.
 *
 * A lease seen held is taken as held, without reading it again, for LEASE_RELEASE_GRACE_MS after the read started:
 * the worker waits that long between its release and its last look at the queue (status-connect-sync.ts), so a change
 * committed meanwhile is in that look. At floor scale an environment then reads the lease about once a second
 * instead of once per change. `monotonic` measures that time (a wall clock may jump); `now` is for the lease's expiry.
 */
export class ConnectStatusPort implements StatusConnectPort {
  /** Per instance, when (monotonic ms) a read that found the lease held started. */
  private readonly heldSeenAt = new Map<string, number>();

  constructor(
    private readonly bindings: Pick<ConnectBindingStore, 'connectConfig'>,
    private readonly lambda: LambdaClient,
    private readonly workerName: string,
    private readonly queue: Pick<ConnectSyncQueue, 'leaseHeld'>,
    private readonly now: () => number = Date.now,
    private readonly monotonic: () => number = () => performance.now(),
  ) {}

  async draining(instanceArn: string): Promise<boolean> {
    const started = this.monotonic();
    const seen = this.heldSeenAt.get(instanceArn);
    if (seen !== undefined && started - seen < LEASE_RELEASE_GRACE_MS) return true;
    const held = await this.queue.leaseHeld(instanceArn, this.now());
    if (held) this.heldSeenAt.set(instanceArn, started);
    else this.heldSeenAt.delete(instanceArn);
    return held;
  }

  async instanceFor(tenant: string): Promise<string | undefined> {
    return (await this.bindings.connectConfig(tenant))?.instanceArn;
  }

  async kick(instanceArn: string): Promise<void> {
    await invokeAsync(this.lambda, this.workerName, { instanceArn });
  }
}
