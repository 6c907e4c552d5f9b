import { ConnectClient, StartOutboundVoiceContactCommand, TooManyRequestsException } from '@aws-sdk/client-connect';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { agentEventSchema, deriveStatus } from '../../functions/domain/agent-events.ts';
import { contactFlowEventSchema } from '../../functions/domain/heartbeat-schemas.ts';
import { CallSimulator } from '../../lib/local/call-simulator.ts';
import { type ConnectEmulator, startConnectEmulator } from '../../lib/local/connect-emulator.ts';

const INSTANCE_ID = '00000000-0000-4000-8000-000000000000';
const ATTRIBUTES = { hbTenant: 'acme', hbAgent: 'alice', hbId: '20261127T100000000-abc' };

/**
 * The Connect emulator's call simulator on its own: the flow's Lambda steps with real-shaped events, the routed agent's
 * records in Connect's Agent Event Stream format (they pass the consumer's own schema and derive the expected
 * statuses), and each failure mode.
 */
describe('call simulator', () => {
  let emulator: ConnectEmulator;
  let client: ConnectClient;
  let simulator: CallSimulator;
  const events: unknown[] = [];
  const flowCalls: unknown[] = [];
  let routeReply: Record<string, string> = { ok: 'true', agent: 'alice' };

  beforeAll(async () => {
    simulator = new CallSimulator({
      writeAgentEvents: async (records) => {
        for (const r of records) events.push(r.data);
      },
      profileOf: async () => ({ displayName: 'Alice Smith', team: 'blue', queues: ['sales'] }),
      timings: { dialMs: 5, ringMs: 5, talkMs: 5, wrapMs: 5 },
      log: () => undefined,
    });
    simulator.setContactFlowLambda({
      name: 'Flow',
      handler: async (event) => {
        flowCalls.push(event);
        const step = (event as { Details: { Parameters: { step: string } } }).Details.Parameters.step;
        return step === 'route' ? routeReply : { ok: 'true', state: 'passed' };
      },
    });
    emulator = await startConnectEmulator({
      port: 0,
      instanceIds: [INSTANCE_ID],
      operations: [simulator.operation()],
      simulator: { control: (b) => simulator.control(b), calls: () => simulator.calls() },
      ratePerSecond: 1000,
      burst: 1000,
      log: () => undefined,
    });
    client = new ConnectClient({
      endpoint: emulator.endpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
      maxAttempts: 1,
    });
  });
  afterAll(async () => {
    client?.destroy();
    await simulator?.idle();
    await emulator?.close();
  });
  beforeEach(() => {
    events.length = 0;
    flowCalls.length = 0;
    routeReply = { ok: 'true', agent: 'alice' };
  });

  const start = (token: string) =>
    client.send(
      new StartOutboundVoiceContactCommand({
        InstanceId: INSTANCE_ID,
        ContactFlowId: '1b0e6b2a-3c4d-4e5f-8a9b-0c1d2e3f4a5b',
        DestinationPhoneNumber: '+15550100100',
        SourcePhoneNumber: '+15550100101',
        Attributes: ATTRIBUTES,
        ClientToken: token,
      }),
    );
  const statuses = () =>
    events.map((e) => {
      const parsed = agentEventSchema.parse(e);
      return deriveStatus(parsed).status;
    });
  const steps = () => flowCalls.map((e) => contactFlowEventSchema.parse(e).Details.Parameters);

  it('plays an answered call: route, Ringing → In a call → Wrap-up → Available, outcome with quality figures', async () => {
    const { ContactId } = await start('t-1');
    await simulator.idle();
    expect(steps().map((p) => p.step)).toEqual(['route', 'outcome']);
    const outcome = steps()[1];
    expect(outcome).toMatchObject({ result: 'answered', mos: expect.stringMatching(/^\d\.\d\d$/) });
    expect(Number(outcome?.mos)).toBeGreaterThan(3.5);
    const first = contactFlowEventSchema.parse(flowCalls[0]);
    expect(first.Details.ContactData).toMatchObject({
      ContactId,
      InstanceARN: `arn:aws:connect:us-east-1:000000000000:instance/${INSTANCE_ID}`,
      Attributes: ATTRIBUTES,
      InitiationMethod: 'OUTBOUND',
    });
    expect(statuses()).toEqual(['ringing', 'in-call', 'wrap-up', 'idle']);
    const record = agentEventSchema.parse(events[0]);
    expect(record.CurrentAgentSnapshot.Configuration).toMatchObject({ Username: 'alice', FirstName: 'Alice' });
    expect(record.CurrentAgentSnapshot.Contacts?.[0]?.ContactId).toBe(ContactId);
  });

  it('answers a repeated ClientToken with the same contact and plays it once', async () => {
    const a = await start('t-same');
    const b = await start('t-same');
    await simulator.idle();
    expect(b.ContactId).toBe(a.ContactId);
    expect(steps().filter((p) => p.step === 'route')).toHaveLength(1);
  });

  it('no answer: the phone rings, is missed, the outcome says no-answer', async () => {
    simulator.injectFailure('no-answer');
    await start('t-2');
    await simulator.idle();
    expect(steps().map((p) => p.result ?? p.step)).toEqual(['route', 'no-answer']);
    expect(statuses()).toEqual(['ringing', 'inactive', 'idle']);
  });

  it('softphone down: nothing rings and no outcome comes (the backend times the test out)', async () => {
    const injected = await fetch(`${emulator.endpoint}/_local/simulate`, {
      method: 'POST',
      body: JSON.stringify({ failure: 'softphone-down' }),
    });
    expect(await injected.json()).toEqual({ pending: ['softphone-down'] });
    await start('t-3');
    await simulator.idle();
    expect(steps().map((p) => p.step)).toEqual(['route']);
    expect(events).toEqual([]);
  });

  it('throttling: the API answers 429 and no call is played', async () => {
    simulator.injectFailure('throttle');
    await expect(start('t-4')).rejects.toBeInstanceOf(TooManyRequestsException);
    expect(emulator.calls('StartOutboundVoiceContact').at(-1)?.status).toBe(429);
    await simulator.idle();
    expect(flowCalls).toEqual([]);
  });

  it('stops when the flow refuses to route, and rejects unknown failure modes', async () => {
    routeReply = { ok: 'false', error: 'UNKNOWN_HEARTBEAT' };
    await start('t-5');
    await simulator.idle();
    expect(steps().map((p) => p.step)).toEqual(['route']);
    expect(events).toEqual([]);
    const bad = await fetch(`${emulator.endpoint}/_local/simulate`, {
      method: 'POST',
      body: JSON.stringify({ failure: 'meteor' }),
    });
    expect(bad.status).toBe(400);
  });
});
