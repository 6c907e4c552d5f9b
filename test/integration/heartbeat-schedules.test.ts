import {
  ConflictException,
  CreateScheduleCommand,
  DeleteScheduleCommand,
  GetScheduleCommand,
  ResourceNotFoundException,
  SchedulerClient,
  UpdateScheduleCommand,
} from '@aws-sdk/client-scheduler';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { SdkHeartbeatSchedules } from '../../functions/adapters/heartbeat-scheduler.ts';
import type { HeartbeatConfig, StoredHeartbeatConfig } from '../../functions/domain/heartbeat-model.ts';
import { type HeartbeatConfigDeps, saveHeartbeatConfig } from '../../functions/domain/heartbeats.ts';
import type { Principal } from '../../functions/domain/principal.ts';
import { type SchedulerEmulator, startSchedulerEmulator } from '../../lib/local/scheduler-emulator.ts';

const GROUP = 'agent-messenger-test';
const TARGET = {
  group: GROUP,
  roleArn: 'arn:aws:iam::000000000000:role/hb',
  functionArn: 'arn:aws:lambda:us-east-1:000000000000:function:HeartbeatRun',
};
const INSTANCE = { instanceId: '11111111-2222-4333-8444-555555555555', instanceArn: 'arn:aws:connect:x:instance/1' };
const ada: Principal = { tenant: 'acme', user: 'ada', role: 'admin' };
const CONFIG: HeartbeatConfig = {
  enabled: true,
  cadenceMinutes: 60,
  window: { fromHour: 8, toHour: 18, days: ['MON', 'TUE', 'WED', 'THU', 'FRI'] },
  contactFlowId: '1b0e6b2a-3c4d-4e5f-8a9b-0c1d2e3f4a5b',
  maxConcurrent: 2,
};

function deps(schedules: HeartbeatConfigDeps['schedules'], bound = true) {
  const saved: StoredHeartbeatConfig[] = [];
  const d: HeartbeatConfigDeps = {
    configs: {
      get: async () => saved.at(-1),
      put: async (_t, c) => {
        saved.push(c);
      },
    },
    instances: { get: async () => (bound ? INSTANCE : undefined) },
    caller: { canCall: (id) => id === INSTANCE.instanceId },
    clock: { now: () => Date.parse('2026-11-27T10:00:00Z') },
    // No tests in flight here (disabling with tests in flight: test/integration/heartbeats.test.ts).
    store: { live: async () => [], finish: async () => ({ won: false }) },
    notifier: {
      toUser: async () => Promise.reject(new Error('nothing to push')),
      toUsers: async () => Promise.reject(new Error('nothing to push')),
      toEach: async () => Promise.reject(new Error('nothing to push')),
    },
    warn: () => undefined,
    schedules,
  };
  return { d, saved };
}

describe('heartbeat schedule on config change (aws-sdk-client-mock)', () => {
  const scheduler = mockClient(SchedulerClient);
  afterEach(() => scheduler.reset());
  // The mock replaces `send` of every SchedulerClient: the emulator tests below need the real one back.
  afterAll(() => scheduler.restore());
  const adapter = () => new SdkHeartbeatSchedules(new SchedulerClient({ region: 'us-east-1' }), TARGET);

  it('creates the schedule with a deterministic name in the group, targeting the run with the tenant', async () => {
    scheduler.on(CreateScheduleCommand).resolves({ ScheduleArn: 'arn' });
    const { d, saved } = deps(adapter());
    const result = await saveHeartbeatConfig(d, ada, CONFIG);
    expect(result.config).toMatchObject({ enabled: true, scheduleName: 'heartbeat-acme', updatedBy: 'ada' });
    expect(saved).toHaveLength(1);
    const [call] = scheduler.commandCalls(CreateScheduleCommand);
    expect(call?.args[0].input).toMatchObject({
      Name: 'heartbeat-acme',
      GroupName: GROUP,
      ScheduleExpression: 'rate(1 minute)',
      State: 'ENABLED',
      FlexibleTimeWindow: { Mode: 'OFF' },
      Target: { Arn: TARGET.functionArn, RoleArn: TARGET.roleArn, Input: '{"tenant":"acme"}' },
    });
    expect(scheduler.commandCalls(UpdateScheduleCommand)).toHaveLength(0);
  });

  it('updates the schedule when it exists already', async () => {
    scheduler
      .on(CreateScheduleCommand)
      .rejects(new ConflictException({ message: 'exists', Message: 'exists', $metadata: {} }))
      .on(UpdateScheduleCommand)
      .resolves({ ScheduleArn: 'arn' });
    const { d } = deps(adapter());
    await saveHeartbeatConfig(d, ada, { ...CONFIG, cadenceMinutes: 30 });
    expect(scheduler.commandCalls(UpdateScheduleCommand)[0]?.args[0].input).toMatchObject({
      Name: 'heartbeat-acme',
      GroupName: GROUP,
    });
  });

  it('deletes the schedule when disabled, also when it is already gone', async () => {
    scheduler
      .on(DeleteScheduleCommand)
      .rejects(new ResourceNotFoundException({ message: 'gone', Message: 'gone', $metadata: {} }));
    const { d, saved } = deps(adapter(), false);
    const result = await saveHeartbeatConfig(d, ada, { ...CONFIG, enabled: false });
    expect(result.config.scheduleName).toBeUndefined();
    expect(saved[0]?.enabled).toBe(false);
    expect(scheduler.commandCalls(DeleteScheduleCommand)[0]?.args[0].input).toEqual({
      Name: 'heartbeat-acme',
      GroupName: GROUP,
    });
    expect(scheduler.commandCalls(CreateScheduleCommand)).toHaveLength(0);
  });

  it('surfaces other Scheduler errors (the config is saved; saving again repairs the schedule)', async () => {
    scheduler.on(CreateScheduleCommand).rejects(new Error('AccessDenied'));
    const { d, saved } = deps(adapter());
    await expect(saveHeartbeatConfig(d, ada, CONFIG)).rejects.toThrow('AccessDenied');
    expect(saved).toHaveLength(1);
  });

  it('refuses to enable without a bound instance or an operator line, and refuses non-admins', async () => {
    const { d } = deps(adapter(), false);
    await expect(saveHeartbeatConfig(d, ada, CONFIG)).rejects.toMatchObject({
      statusCode: 409,
      code: 'CONNECT_NOT_BOUND',
    });
    const noLine = deps(adapter());
    const withoutLine = { ...noLine.d, caller: { ...noLine.d.caller, canCall: () => false } };
    await expect(saveHeartbeatConfig(withoutLine, ada, CONFIG)).rejects.toMatchObject({
      code: 'HEARTBEAT_LINE_NOT_CONFIGURED',
    });
    await expect(saveHeartbeatConfig(noLine.d, { ...ada, role: 'supervisor' }, CONFIG)).rejects.toMatchObject({
      statusCode: 403,
    });
    expect(scheduler.calls()).toHaveLength(0);
  });
});

describe('heartbeat schedule on config change (against the Scheduler emulator)', () => {
  let emulator: SchedulerEmulator;
  let client: SchedulerClient;
  const clock = { ms: Date.parse('2026-11-27T10:00:00Z'), now: () => clock.ms };
  const fired: unknown[] = [];

  beforeAll(async () => {
    emulator = await startSchedulerEmulator({
      port: 0,
      tickMs: 0,
      clock,
      resolveTarget: (arn) =>
        arn === TARGET.functionArn
          ? {
              name: 'HeartbeatRun',
              handler: async (event) => {
                fired.push(event);
                return {};
              },
            }
          : undefined,
      log: () => undefined,
    });
    client = new SchedulerClient({
      endpoint: emulator.endpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
    });
  });
  afterAll(async () => {
    client?.destroy();
    await emulator?.close();
  });

  it('creates, fires, updates and deletes the tenant schedule', async () => {
    const { d } = deps(new SdkHeartbeatSchedules(client, TARGET));
    await saveHeartbeatConfig(d, ada, CONFIG);
    const created = await client.send(new GetScheduleCommand({ Name: 'heartbeat-acme', GroupName: GROUP }));
    expect(created).toMatchObject({ State: 'ENABLED', ScheduleExpression: 'rate(1 minute)' });

    // A rate schedule starts at once, then every minute.
    expect(await emulator.tick()).toBe(1);
    clock.ms += 30_000;
    expect(await emulator.tick()).toBe(0);
    clock.ms += 30_000;
    expect(await emulator.tick()).toBe(1);
    expect(fired).toEqual([{ tenant: 'acme' }, { tenant: 'acme' }]);

    // Saving again is an update of the same schedule, not a second one.
    await saveHeartbeatConfig(d, ada, { ...CONFIG, maxConcurrent: 5 });
    expect(emulator.list().filter((s) => s.groupName === GROUP)).toHaveLength(1);

    await saveHeartbeatConfig(d, ada, { ...CONFIG, enabled: false });
    await expect(client.send(new GetScheduleCommand({ Name: 'heartbeat-acme', GroupName: GROUP }))).rejects.toThrow(
      ResourceNotFoundException,
    );
    clock.ms += 120_000;
    expect(await emulator.tick()).toBe(0);
    // Disabling twice is fine.
    await saveHeartbeatConfig(d, ada, { ...CONFIG, enabled: false });
  });
});
