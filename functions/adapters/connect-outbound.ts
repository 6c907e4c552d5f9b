import {
  ConnectClient,
  StartOutboundVoiceContactCommand,
  ThrottlingException,
  TooManyRequestsException,
} from '@aws-sdk/client-connect';
import type { HeartbeatLines } from '#domain/heartbeat-schemas.ts';
import type { OutboundCaller, StartResult } from '#domain/heartbeats.ts';
import { parseInstanceArn } from './connect-status-sync.ts';
import { createSdkClient } from './sdk-client.ts';

/**
 * StartOutboundVoiceContact with the operator's line (numbers) of the tenant's bound instance, in the instance's own
 * region (from its ARN: a deployment may serve instances of several regions). IAM allows exactly the configured
 * instances.
 */
export class SdkOutboundCaller implements OutboundCaller {
  private readonly clients = new Map<string, Pick<ConnectClient, 'send'>>();

  constructor(
    private readonly lines: HeartbeatLines,
    private readonly clientFor: (region: string) => Pick<ConnectClient, 'send'> = defaultClient,
  ) {}

  canCall(instanceId: string): boolean {
    return this.lines[instanceId] !== undefined;
  }

  async start(request: Parameters<OutboundCaller['start']>[0]): Promise<StartResult> {
    const { region, instanceId } = parseInstanceArn(request.instanceArn);
    if (instanceId !== request.instanceId)
      throw new Error(`Instance ${request.instanceId} is not ${request.instanceArn}`);
    const line = this.lines[instanceId];
    if (!line) throw new Error(`No heartbeat line configured for instance ${instanceId}`);
    let client = this.clients.get(region);
    if (!client) {
      client = this.clientFor(region);
      this.clients.set(region, client);
    }
    try {
      const out = await client.send(
        new StartOutboundVoiceContactCommand({
          InstanceId: instanceId,
          ContactFlowId: request.contactFlowId,
          DestinationPhoneNumber: line.destinationPhoneNumber,
          ...(line.sourcePhoneNumber ? { SourcePhoneNumber: line.sourcePhoneNumber } : {}),
          ...(request.queueId ? { QueueId: request.queueId } : {}),
          Attributes: { ...request.attributes },
          ClientToken: request.clientToken,
        }),
      );
      if (!out.ContactId) throw new Error('StartOutboundVoiceContact returned no ContactId');
      return { contactId: out.ContactId };
    } catch (error) {
      if (
        error instanceof TooManyRequestsException ||
        error instanceof ThrottlingException ||
        (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode === 429
      )
        return { throttled: true };
      throw error;
    }
  }
}

// The run paces itself and treats a 429 as "stop for this minute": SDK retries would burst on top of it.
const defaultClient = (region: string) => createSdkClient(ConnectClient, { region, maxAttempts: 1 });
