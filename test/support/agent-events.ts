import { randomUUID } from 'node:crypto';
import { LOCAL_ACCOUNT } from '../../lib/local/local-aws.ts';

/** Amazon Connect Agent Event Stream records, as Connect writes them to Kinesis (shapes from Connect's docs). */
export interface AgentEventInput {
  readonly instanceArn: string;
  readonly user: string;
  readonly type: 'LOGIN' | 'LOGOUT' | 'STATE_CHANGE' | 'HEART_BEAT';
  readonly at: Date;
  readonly status?: { name: string; type: 'ROUTABLE' | 'CUSTOM' | 'OFFLINE' };
  readonly contacts?: ReadonlyArray<{ id: string; state: string; channel?: string }>;
  readonly team?: string;
  readonly queues?: readonly string[];
  readonly slots?: { available: number; maximum: number };
  readonly eventId?: string;
}

export function agentEvent(input: AgentEventInput): Record<string, unknown> {
  const agentArn = `${input.instanceArn}/agent/${input.user}-0000-4000-8000-000000000000`;
  const status = input.status ?? { name: 'Available', type: 'ROUTABLE' };
  return {
    AgentARN: agentArn,
    AWSAccountId: LOCAL_ACCOUNT,
    EventId: input.eventId ?? randomUUID(),
    EventTimestamp: input.at.toISOString(),
    EventType: input.type,
    InstanceARN: input.instanceArn,
    Version: '2017-10-01',
    CurrentAgentSnapshot: {
      AgentStatus: {
        ARN: `${input.instanceArn}/agent-state/${status.name}`,
        Name: status.name,
        StartTimestamp: input.at.toISOString(),
        Type: status.type,
      },
      NextAgentStatus: null,
      Configuration: {
        FirstName: input.user,
        LastName: 'Agent',
        Username: input.user,
        AgentHierarchyGroups: input.team
          ? { Level1: { ARN: `${input.instanceArn}/agent-group/${input.team}`, Name: input.team } }
          : null,
        RoutingProfile: {
          ARN: `${input.instanceArn}/routing-profile/default`,
          Name: 'Default',
          InboundQueues: (input.queues ?? []).map((q) => ({
            ARN: `${input.instanceArn}/queue/${q}`,
            Name: q,
            Channels: ['VOICE'],
          })),
          DefaultOutboundQueue: { ARN: `${input.instanceArn}/queue/out`, Name: 'Outbound', Channels: ['VOICE'] },
          Concurrency: [
            { Channel: 'VOICE', AvailableSlots: input.slots?.available ?? 1, MaximumSlots: input.slots?.maximum ?? 1 },
          ],
        },
      },
      Contacts: (input.contacts ?? []).map((c) => ({
        ContactId: c.id,
        InitialContactId: null,
        Channel: c.channel ?? 'VOICE',
        InitiationMethod: 'INBOUND',
        State: c.state,
        StateStartTimestamp: input.at.toISOString(),
        ConnectedToAgentTimestamp: null,
        QueueTimestamp: input.at.toISOString(),
        Queue: { ARN: `${input.instanceArn}/queue/sales`, Name: 'sales' },
      })),
    },
    PreviousAgentSnapshot: null,
  };
}
