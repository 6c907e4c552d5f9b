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
 * After a read that found the lease held, or a start of the worker, the environment takes the instance as covered for
 * LEASE_RELEASE_GRACE_MS (from just before the read or the Invoke), without reading or invoking again: every worker
 * waits that long between releasing its lease and its last look at the queue (status-connect-sync.ts). A lease held
 * at the read is released after it, so its holder's last look comes more than the grace after the read began; a
 * worker started by the Invoke runs after it was sent, and either takes the lease (its last look is more than the
 * grace after its start) or finds it held by one whose last look is. Either way a change committed within the grace
 * is in a last look. At floor scale an environment then reads or invokes about once a second instead of once per
 * change. `monotonic` measures the grace (a wall clock may jump); `now` is for the lease's expiry.
 */
export class ConnectStatusPort implements StatusConnectPort {
  /** Per instance, when (monotonic ms) the last read that found the lease held, or the last start, began. */
  private readonly coveredSince = new Map<string, number>();

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
    const since = this.coveredSince.get(instanceArn);
    if (since !== undefined && started - since < LEASE_RELEASE_GRACE_MS) return true;
    const held = await this.queue.leaseHeld(instanceArn, this.now());
    if (held) this.coveredSince.set(instanceArn, started);
    return held;
  }

  async instanceFor(tenant: string): Promise<string | undefined> {
    return (await this.bindings.connectConfig(tenant))?.instanceArn;
  }

  async kick(instanceArn: string): Promise<void> {
    const started = this.monotonic();
    await invokeAsync(this.lambda, this.workerName, { instanceArn });
    // Accepted: the worker runs after `started`. A failed Invoke covers nothing (the next change reads again).
    this.coveredSince.set(instanceArn, started);
  }
}
