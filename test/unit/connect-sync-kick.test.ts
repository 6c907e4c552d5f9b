import { ConnectClient, PutUserStatusCommand } from '@aws-sdk/client-connect';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { ConnectStatusPort, SdkConnectStatusClient } from '../../functions/adapters/connect-status-sync.ts';

const lambda = mockClient(LambdaClient);
const connect = mockClient(ConnectClient);
beforeEach(() => {
  lambda.reset();
  connect.reset();
});

const A = 'arn:aws:connect:eu-west-2:111122223333:instance/aaaaaaaa-1111-4222-8333-444455556666';
const B = 'arn:aws:connect:us-east-1:111122223333:instance/bbbbbbbb-1111-4222-8333-444455556666';

describe('Connect for status changes', () => {
  it("queues for the tenant's own instance and starts exactly that instance's worker", async () => {
    // Prepare
    lambda.on(InvokeCommand).resolves({ StatusCode: 202 });
    const bindings = {
      connectConfig: async (t: string) => (t === 'acme' ? { instanceArn: A, statusMap: {} } : undefined),
    };
    // No worker holds a lease here: the lease check is tested on dynalite (status-connect-kick.test.ts).
    const noLease = { leaseHeld: async () => false };
    const port = new ConnectStatusPort(bindings, new LambdaClient({ region: 'us-east-1' }), 'SyncWorker', noLease);
    // Act
    const acme = await port.instanceFor('acme');
    const other = await port.instanceFor('globex');
    await port.kick(A);
    // Assess
    expect(acme).toBe(A);
    expect(other).toBeUndefined();
    const input = lambda.commandCalls(InvokeCommand)[0]?.args[0].input;
    expect(input).toMatchObject({ FunctionName: 'SyncWorker', InvocationType: 'Event' });
    expect(JSON.parse(new TextDecoder().decode(input?.Payload as Uint8Array))).toEqual({ instanceArn: A });
  });

  it('sends PutUserStatus to the instance of the item (its id, in its region), never to a fixed one', async () => {
    connect.on(PutUserStatusCommand).resolves({});
    const regions: string[] = [];
    const client = new SdkConnectStatusClient((region) => {
      regions.push(region);
      return new ConnectClient({ region });
    });

    await client.putUserStatus(A, 'user-1', 'status-1');
    await client.putUserStatus(B, 'user-2', 'status-2');

    expect(connect.commandCalls(PutUserStatusCommand).map((c) => c.args[0].input)).toEqual([
      { InstanceId: 'aaaaaaaa-1111-4222-8333-444455556666', UserId: 'user-1', AgentStatusId: 'status-1' },
      { InstanceId: 'bbbbbbbb-1111-4222-8333-444455556666', UserId: 'user-2', AgentStatusId: 'status-2' },
    ]);
    expect(regions).toEqual(['eu-west-2', 'us-east-1']);
  });
});
