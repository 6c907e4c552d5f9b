import {
  ConnectClient,
  GetCurrentUserDataCommand,
  InvalidParameterException,
  MonitorContactCommand,
  PutUserStatusCommand,
  ResourceNotFoundException,
  StartOutboundVoiceContactCommand,
  TooManyRequestsException,
} from '@aws-sdk/client-connect';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type ConnectEmulator, startConnectEmulator } from '../../lib/local/connect-emulator.ts';

const INSTANCE = '11111111-2222-3333-4444-555555555555';
const OTHER_INSTANCE = '99999999-2222-3333-4444-555555555555';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

describe('Connect API emulator', () => {
  let emulator: ConnectEmulator;
  let client: ConnectClient;
  let now = 1_000_000;

  beforeAll(async () => {
    emulator = await startConnectEmulator({
      port: 0,
      instanceIds: [INSTANCE, OTHER_INSTANCE],
      clock: { now: () => now },
      log: () => undefined,
    });
    client = new ConnectClient({
      endpoint: emulator.endpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 'x', secretAccessKey: 'y' },
      // A throttled call must surface as the error, not be hidden by the SDK's own retries.
      maxAttempts: 1,
    });
  });

  afterAll(async () => {
    client.destroy();
    await emulator.close();
  });

  beforeEach(() => {
    emulator.reset();
  });

  const putStatus = (userId: string, instanceId = INSTANCE) =>
    client.send(new PutUserStatusCommand({ InstanceId: instanceId, UserId: userId, AgentStatusId: 'status-away' }));

  it('records PutUserStatus with its input and the time it arrived', async () => {
    now = 2_000_000;
    await putStatus('agent-1');
    expect(emulator.calls('PutUserStatus')).toEqual([
      {
        operation: 'PutUserStatus',
        at: 2_000_000,
        input: { InstanceId: INSTANCE, UserId: 'agent-1', AgentStatusId: 'status-away' },
        status: 200,
      },
    ]);
    expect(emulator.calls('MonitorContact')).toEqual([]);
  });

  it('answers StartOutboundVoiceContact and MonitorContact with new contact ids', async () => {
    const outbound = await client.send(
      new StartOutboundVoiceContactCommand({
        InstanceId: INSTANCE,
        ContactFlowId: 'flow-1',
        DestinationPhoneNumber: '+441234567890',
        QueueId: 'queue-agent-1',
        Attributes: { heartbeatId: 'hb-1' },
      }),
    );
    const monitor = await client.send(
      new MonitorContactCommand({
        InstanceId: INSTANCE,
        ContactId: 'contact-1',
        UserId: 'supervisor-1',
        AllowedMonitorCapabilities: ['SILENT_MONITOR'],
      }),
    );
    expect(outbound.ContactId).toMatch(UUID);
    expect(monitor.ContactId).toMatch(UUID);
    expect(monitor.ContactArn).toBe(
      `arn:aws:connect:us-east-1:000000000000:instance/${INSTANCE}/contact/${monitor.ContactId}`,
    );
    expect(emulator.calls('StartOutboundVoiceContact')[0]?.input).toMatchObject({
      ContactFlowId: 'flow-1',
      Attributes: { heartbeatId: 'hb-1' },
      ClientToken: expect.any(String),
    });
    expect(emulator.calls('MonitorContact')[0]?.input).toMatchObject({
      AllowedMonitorCapabilities: ['SILENT_MONITOR'],
    });
    expect(emulator.calls()).toHaveLength(2);
  });

  it('throttles a burst beyond 5 with TooManyRequestsException, per operation and instance', async () => {
    now = 3_000_000;
    const results = await Promise.allSettled(Array.from({ length: 7 }, (_, i) => putStatus(`agent-${i}`)));
    const rejected = results.filter((r) => r.status === 'rejected');
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(5);
    expect(rejected).toHaveLength(2);
    for (const r of rejected) expect((r as PromiseRejectedResult).reason).toBeInstanceOf(TooManyRequestsException);
    expect(
      emulator
        .calls('PutUserStatus')
        .map((c) => c.status)
        .sort(),
    ).toEqual([200, 200, 200, 200, 200, 429, 429]);

    // Another instance and another operation have buckets of their own.
    await expect(putStatus('agent-x', OTHER_INSTANCE)).resolves.toBeDefined();
    await expect(
      client.send(new MonitorContactCommand({ InstanceId: INSTANCE, ContactId: 'c', UserId: 'u' })),
    ).resolves.toBeDefined();

    // Half a second refills one token at 2/s: one more call passes, the next does not.
    now += 500;
    await expect(putStatus('agent-7')).resolves.toBeDefined();
    await expect(putStatus('agent-8')).rejects.toBeInstanceOf(TooManyRequestsException);
  });

  it('lets calls paced at 2 per second through, however many', async () => {
    now = 4_000_000;
    for (let i = 0; i < 20; i++) {
      await putStatus(`agent-${i}`);
      now += 500;
    }
    const calls = emulator.calls('PutUserStatus');
    expect(calls).toHaveLength(20);
    expect(calls.every((c) => c.status === 200)).toBe(true);
    expect(calls.map((c) => c.at).slice(0, 3)).toEqual([4_000_000, 4_000_500, 4_001_000]);
  });

  it('is reachable by an unmodified client configured through AWS_ENDPOINT_URL_CONNECT', async () => {
    const saved = process.env.AWS_ENDPOINT_URL_CONNECT;
    process.env.AWS_ENDPOINT_URL_CONNECT = emulator.endpoint;
    const unmodified = new ConnectClient({
      region: 'us-east-1',
      credentials: { accessKeyId: 'x', secretAccessKey: 'y' },
    });
    try {
      await unmodified.send(
        new PutUserStatusCommand({ InstanceId: INSTANCE, UserId: 'agent-env', AgentStatusId: 's' }),
      );
      expect(emulator.calls('PutUserStatus').map((c) => c.input.UserId)).toEqual(['agent-env']);
    } finally {
      unmodified.destroy();
      if (saved === undefined) delete process.env.AWS_ENDPOINT_URL_CONNECT;
      else process.env.AWS_ENDPOINT_URL_CONNECT = saved;
    }
  });

  it('rejects an unknown instance and a missing required member with typed errors', async () => {
    await expect(putStatus('agent-1', 'not-an-instance')).rejects.toBeInstanceOf(ResourceNotFoundException);
    await expect(
      client.send(
        new StartOutboundVoiceContactCommand({
          InstanceId: INSTANCE,
          ContactFlowId: '',
          DestinationPhoneNumber: '+441234567890',
        }),
      ),
    ).rejects.toBeInstanceOf(InvalidParameterException);
    expect(emulator.calls().map((c) => c.status)).toEqual([404, 400]);
  });
});

describe('Connect API emulator extensions', () => {
  it('serves extra operations from the table, with the real clock and no instance list', async () => {
    const emulator = await startConnectEmulator({
      port: 0,
      log: () => undefined,
      operations: [
        {
          name: 'GetCurrentUserData',
          method: 'POST',
          path: '/metrics/userdata/{InstanceId}',
          required: ['InstanceId', 'Filters'],
          respond: () => ({ UserDataList: [], ApproximateTotalCount: 0 }),
        },
      ],
    });
    const client = new ConnectClient({
      endpoint: emulator.endpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 'x', secretAccessKey: 'y' },
      maxAttempts: 1,
    });
    try {
      const out = await client.send(
        new GetCurrentUserDataCommand({ InstanceId: 'any-instance', Filters: { Agents: ['agent-1'] } }),
      );
      expect(out.ApproximateTotalCount).toBe(0);
      expect(emulator.calls('GetCurrentUserData')[0]?.input).toMatchObject({
        InstanceId: 'any-instance',
        Filters: { Agents: ['agent-1'] },
      });
    } finally {
      client.destroy();
      await emulator.close();
    }
  });
});
