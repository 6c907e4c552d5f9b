import {
  type ConnectClient,
  StartOutboundVoiceContactCommand,
  ThrottlingException,
  TooManyRequestsException,
} from '@aws-sdk/client-connect';
import type { HeartbeatLines } from '#domain/heartbeat-schemas.ts';
import type { OutboundCaller, StartResult } from '#domain/heartbeats.ts';

/** StartOutboundVoiceContact with the operator's line (numbers) of the tenant's bound instance. */
export class SdkOutboundCaller implements OutboundCaller {
  constructor(
    private readonly client: Pick<ConnectClient, 'send'>,
    private readonly lines: HeartbeatLines,
  ) {}

  canCall(instanceId: string): boolean {
    return this.lines[instanceId] !== undefined;
  }

  async start(request: Parameters<OutboundCaller['start']>[0]): Promise<StartResult> {
    const line = this.lines[request.instanceId];
    if (!line) throw new Error(`No heartbeat line configured for instance ${request.instanceId}`);
    try {
      const out = await this.client.send(
        new StartOutboundVoiceContactCommand({
          InstanceId: request.instanceId,
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
