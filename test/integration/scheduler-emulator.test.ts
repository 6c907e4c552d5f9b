import {
  ConflictException,
  CreateScheduleCommand,
  DeleteScheduleCommand,
  GetScheduleCommand,
  ListSchedulesCommand,
  paginateListSchedules,
  ResourceNotFoundException,
  SchedulerClient,
  UpdateScheduleCommand,
  ValidationException,
} from '@aws-sdk/client-scheduler';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import type { LambdaHandler } from '../../lib/local/lambda.ts';
import { nextFireTime, ScheduleExpressionError } from '../../lib/local/schedule-expression.ts';
import { type SchedulerEmulator, startSchedulerEmulator } from '../../lib/local/scheduler-emulator.ts';

const utc = (iso: string) => Date.parse(iso);
const TARGET_ARN = 'arn:aws:lambda:us-east-1:000000000000:function:Reminder';
const FLAKY_ARN = 'arn:aws:lambda:us-east-1:000000000000:function:Flaky';
const ROLE_ARN = 'arn:aws:iam::000000000000:role/scheduler';

describe('nextFireTime', () => {
  it('evaluates cron in the schedule time zone on both sides of the DST changes', () => {
    // Europe/London: GMT (UTC+0) until 2026-03-29 01:00 UTC, BST (UTC+1) until 2026-10-25 01:00 UTC.
    const expr = 'cron(0 3 * * ? *)';
    expect(nextFireTime(expr, 'Europe/London', utc('2026-03-28T00:00:00Z'))).toBe(utc('2026-03-28T03:00:00Z'));
    expect(nextFireTime(expr, 'Europe/London', utc('2026-03-28T03:00:00Z'))).toBe(utc('2026-03-29T02:00:00Z'));
    expect(nextFireTime(expr, 'Europe/London', utc('2026-10-24T00:00:00Z'))).toBe(utc('2026-10-24T02:00:00Z'));
    expect(nextFireTime(expr, 'Europe/London', utc('2026-10-24T02:00:00Z'))).toBe(utc('2026-10-25T03:00:00Z'));
  });

  it('skips a wall time inside the spring-forward gap and fires a repeated wall time once', () => {
    const expr = 'cron(30 1 * * ? *)';
    // 01:30 does not exist in London on 2026-03-29: the next one is 01:30 BST on the 30th.
    expect(nextFireTime(expr, 'Europe/London', utc('2026-03-28T12:00:00Z'))).toBe(utc('2026-03-30T00:30:00Z'));
    // 01:30 happens twice on 2026-10-25 (BST, then GMT): only the first counts.
    expect(nextFireTime(expr, 'Europe/London', utc('2026-10-24T12:00:00Z'))).toBe(utc('2026-10-25T00:30:00Z'));
    expect(nextFireTime(expr, 'Europe/London', utc('2026-10-25T00:30:00Z'))).toBe(utc('2026-10-26T01:30:00Z'));
  });

  it('supports day-of-week names and numbers (1 = SUN), ranges, lists, steps and years', () => {
    const saturday = utc('2026-03-28T12:00:00Z');
    expect(nextFireTime('cron(0 9 ? * MON-FRI *)', 'UTC', saturday)).toBe(utc('2026-03-30T09:00:00Z'));
    expect(nextFireTime('cron(0 9 ? * 1 *)', 'UTC', saturday)).toBe(utc('2026-03-29T09:00:00Z'));
    expect(nextFireTime('cron(0 9 ? * 3,5 *)', 'UTC', saturday)).toBe(utc('2026-03-31T09:00:00Z'));
    expect(nextFireTime('cron(*/15 * * * ? *)', 'UTC', utc('2026-03-28T10:07:00Z'))).toBe(utc('2026-03-28T10:15:00Z'));
    expect(nextFireTime('cron(0/20 8-9 * * ? *)', 'UTC', utc('2026-03-28T08:45:00Z'))).toBe(
      utc('2026-03-28T09:00:00Z'),
    );
    expect(nextFireTime('cron(0 0 1 JAN ? 2028)', 'UTC', saturday)).toBe(utc('2028-01-01T00:00:00Z'));
    expect(nextFireTime('cron(0 0 1 JAN ? 2025)', 'UTC', saturday)).toBeUndefined();
    expect(nextFireTime('cron(0 12 L * ? *)', 'UTC', saturday)).toBe(utc('2026-03-31T12:00:00Z'));
  });

  it('evaluates at() in its time zone and rate() from the given instant', () => {
    expect(nextFireTime('at(2026-07-01T09:00:00)', 'America/New_York', 0)).toBe(utc('2026-07-01T13:00:00Z'));
    expect(nextFireTime('at(2026-07-01T09:00:00)', 'UTC', utc('2026-07-01T09:00:00Z'))).toBeUndefined();
    expect(nextFireTime('rate(5 minutes)', 'UTC', 1_000)).toBe(1_000 + 300_000);
    expect(nextFireTime('rate(1 day)', 'Europe/London', 0)).toBe(86_400_000);
  });

  it('rejects invalid expressions and time zones', () => {
    for (const bad of ['cron(0 3 * * *)', 'cron(0 3 * * 1 *)', 'cron(61 3 * * ? *)', 'rate(0 minutes)', 'every day']) {
      expect(() => nextFireTime(bad, 'UTC', 0), bad).toThrow(ScheduleExpressionError);
    }
    expect(() => nextFireTime('rate(1 minute)', 'Mars/Olympus', 0)).toThrow(ScheduleExpressionError);
  });
});

describe('scheduler emulator', () => {
  let emulator: SchedulerEmulator;
  let client: SchedulerClient;
  let now = utc('2026-03-28T00:00:00Z');
  const received: unknown[] = [];
  let flakyCalls = 0;

  const record: LambdaHandler = async (event) => {
    received.push(event);
    return undefined;
  };
  const flaky: LambdaHandler = async () => {
    flakyCalls += 1;
    if (flakyCalls < 3) throw new Error('transient');
    return undefined;
  };

  beforeAll(async () => {
    emulator = await startSchedulerEmulator({
      port: 0,
      clock: { now: () => now },
      tickMs: 0,
      retryDelayMs: 1,
      resolveTarget: (arn) =>
        arn === TARGET_ARN
          ? { name: 'Reminder', handler: record }
          : arn === FLAKY_ARN
            ? { name: 'Flaky', handler: flaky }
            : undefined,
      log: () => undefined,
    });
    client = new SchedulerClient({
      endpoint: emulator.endpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 'x', secretAccessKey: 'y' },
    });
  });

  afterAll(async () => {
    client.destroy();
    await emulator.close();
  });

  beforeEach(() => {
    received.length = 0;
  });

  const create = (name: string, extra: Partial<ConstructorParameters<typeof CreateScheduleCommand>[0]> = {}) =>
    client.send(
      new CreateScheduleCommand({
        Name: name,
        GroupName: 'app',
        ScheduleExpression: 'rate(1 hour)',
        Target: { Arn: TARGET_ARN, RoleArn: ROLE_ARN, Input: JSON.stringify({ name }) },
        FlexibleTimeWindow: { Mode: 'OFF' },
        State: 'DISABLED',
        ...extra,
      }),
    );

  it('creates, gets, updates and deletes a schedule through the real SDK client', async () => {
    // Act
    const created = await create('crud-1', { StartDate: new Date('2026-04-01T00:00:00Z') });
    const got = await client.send(new GetScheduleCommand({ Name: 'crud-1', GroupName: 'app' }));
    await client.send(
      new UpdateScheduleCommand({
        Name: 'crud-1',
        GroupName: 'app',
        ScheduleExpression: 'cron(0 3 * * ? *)',
        ScheduleExpressionTimezone: 'Europe/London',
        Target: { Arn: TARGET_ARN, RoleArn: ROLE_ARN, Input: '{"v":2}' },
        FlexibleTimeWindow: { Mode: 'FLEXIBLE', MaximumWindowInMinutes: 5 },
        State: 'ENABLED',
      }),
    );
    const updated = await client.send(new GetScheduleCommand({ Name: 'crud-1', GroupName: 'app' }));
    await client.send(new DeleteScheduleCommand({ Name: 'crud-1', GroupName: 'app' }));

    // Assess
    expect(created.ScheduleArn).toBe('arn:aws:scheduler:us-east-1:000000000000:schedule/app/crud-1');
    expect(got).toMatchObject({
      Name: 'crud-1',
      GroupName: 'app',
      ScheduleExpression: 'rate(1 hour)',
      ScheduleExpressionTimezone: 'UTC',
      State: 'DISABLED',
      Target: { Arn: TARGET_ARN, RoleArn: ROLE_ARN, Input: '{"name":"crud-1"}' },
    });
    expect(got.StartDate?.toISOString()).toBe('2026-04-01T00:00:00.000Z');
    expect(got.CreationDate).toBeInstanceOf(Date);
    expect(updated).toMatchObject({
      ScheduleExpression: 'cron(0 3 * * ? *)',
      ScheduleExpressionTimezone: 'Europe/London',
      State: 'ENABLED',
      Target: { Input: '{"v":2}' },
    });
    expect(updated.StartDate).toBeUndefined();
    await expect(client.send(new GetScheduleCommand({ Name: 'crud-1', GroupName: 'app' }))).rejects.toBeInstanceOf(
      ResourceNotFoundException,
    );
  });

  it('is reachable by an unmodified client configured through AWS_ENDPOINT_URL_SCHEDULER', async () => {
    const saved = process.env.AWS_ENDPOINT_URL_SCHEDULER;
    process.env.AWS_ENDPOINT_URL_SCHEDULER = emulator.endpoint;
    const unmodified = new SchedulerClient({
      region: 'us-east-1',
      credentials: { accessKeyId: 'x', secretAccessKey: 'y' },
    });
    try {
      await expect(
        unmodified.send(new GetScheduleCommand({ Name: 'absent', GroupName: 'app' })),
      ).rejects.toBeInstanceOf(ResourceNotFoundException);
    } finally {
      unmodified.destroy();
      if (saved === undefined) delete process.env.AWS_ENDPOINT_URL_SCHEDULER;
      else process.env.AWS_ENDPOINT_URL_SCHEDULER = saved;
    }
  });

  it('answers with typed SDK exceptions', async () => {
    await create('dup');
    await expect(create('dup')).rejects.toBeInstanceOf(ConflictException);
    await expect(client.send(new DeleteScheduleCommand({ Name: 'nope', GroupName: 'app' }))).rejects.toBeInstanceOf(
      ResourceNotFoundException,
    );
    await expect(
      client.send(
        new UpdateScheduleCommand({
          Name: 'nope',
          GroupName: 'app',
          ScheduleExpression: 'rate(1 hour)',
          Target: { Arn: TARGET_ARN, RoleArn: ROLE_ARN },
          FlexibleTimeWindow: { Mode: 'OFF' },
        }),
      ),
    ).rejects.toBeInstanceOf(ResourceNotFoundException);
    const invalid = await create('bad-expr', { ScheduleExpression: 'cron(0 3 * * *)' }).catch((e: unknown) => e);
    expect(invalid).toBeInstanceOf(ValidationException);
    expect((invalid as ValidationException).message).toMatch(/ScheduleExpression/);
    await client.send(new DeleteScheduleCommand({ Name: 'dup', GroupName: 'app' }));
  });

  it('lists with NamePrefix and paginates with NextToken', async () => {
    // Prepare
    for (let i = 0; i < 5; i++) await create(`list-${i}`);
    await create('other-0');
    await create('list-x', { GroupName: 'elsewhere' });

    // Act (the SDK's GroupName travels as the `ScheduleGroup` query parameter)
    const first = await client.send(new ListSchedulesCommand({ GroupName: 'app', NamePrefix: 'list-', MaxResults: 2 }));
    const names: string[] = [];
    for await (const page of paginateListSchedules(
      { client, pageSize: 2 },
      { GroupName: 'app', NamePrefix: 'list-' },
    )) {
      names.push(...(page.Schedules ?? []).map((s) => s.Name ?? ''));
    }
    const allGroups = await client.send(new ListSchedulesCommand({ NamePrefix: 'list-' }));

    // Assess
    expect(first.Schedules?.map((s) => s.Name)).toEqual(['list-0', 'list-1']);
    expect(first.NextToken).toBeTypeOf('string');
    expect(first.Schedules?.[0]).toMatchObject({ GroupName: 'app', State: 'DISABLED', Target: { Arn: TARGET_ARN } });
    expect(names).toEqual(['list-0', 'list-1', 'list-2', 'list-3', 'list-4']);
    expect(allGroups.Schedules?.map((s) => `${s.GroupName}/${s.Name}`)).toEqual([
      'app/list-0',
      'app/list-1',
      'app/list-2',
      'app/list-3',
      'app/list-4',
      'elsewhere/list-x',
    ]);
    expect(allGroups.NextToken).toBeUndefined();
    for (const s of emulator.list()) {
      await client.send(new DeleteScheduleCommand({ Name: s.name, GroupName: s.groupName }));
    }
  });

  it('fires a one-time schedule once with its Input and deletes it after completion', async () => {
    // Prepare: 10:00 in New York on 2026-03-28 is 14:00 UTC (EDT, UTC-4).
    now = utc('2026-03-28T13:00:00Z');
    await create('once', {
      ScheduleExpression: 'at(2026-03-28T10:00:00)',
      ScheduleExpressionTimezone: 'America/New_York',
      State: 'ENABLED',
      ActionAfterCompletion: 'DELETE',
      Target: { Arn: TARGET_ARN, RoleArn: ROLE_ARN, Input: '{"kind":"reminder","userId":"u-1"}' },
    });
    await create('once-kept', {
      ScheduleExpression: 'at(2026-03-28T14:00:00)',
      State: 'ENABLED',
      Target: { Arn: TARGET_ARN, RoleArn: ROLE_ARN, Input: '{"kind":"kept"}' },
    });

    // Act
    now = utc('2026-03-28T13:59:59Z');
    const early = await emulator.tick();
    now = utc('2026-03-28T14:00:00Z');
    const due = await emulator.tick();
    now = utc('2026-03-28T15:00:00Z');
    const later = await emulator.tick();

    // Assess
    expect([early, due, later]).toEqual([0, 2, 0]);
    expect(received).toEqual(expect.arrayContaining([{ kind: 'reminder', userId: 'u-1' }, { kind: 'kept' }]));
    expect(received).toHaveLength(2);
    await expect(client.send(new GetScheduleCommand({ Name: 'once', GroupName: 'app' }))).rejects.toBeInstanceOf(
      ResourceNotFoundException,
    );
    const kept = emulator.list().find((s) => s.name === 'once-kept');
    expect(kept).toMatchObject({ nextFireAt: undefined, state: 'ENABLED' });
    await client.send(new DeleteScheduleCommand({ Name: 'once-kept', GroupName: 'app' }));
  });

  it('fires rate(1 minute) every minute from creation', async () => {
    now = utc('2026-05-01T12:00:00Z');
    await create('every-minute', { ScheduleExpression: 'rate(1 minute)', State: 'ENABLED' });
    const fired: number[] = [];
    fired.push(await emulator.tick()); // AWS starts a rate schedule without StartDate immediately.
    for (let i = 1; i <= 3; i++) {
      now += 30_000;
      fired.push(await emulator.tick());
      now += 30_000;
      fired.push(await emulator.tick());
    }
    expect(fired).toEqual([1, 0, 1, 0, 1, 0, 1]);
    expect(received).toHaveLength(4);
    expect(emulator.list().find((s) => s.name === 'every-minute')?.nextFireAt).toBe(utc('2026-05-01T12:04:00Z'));
    await client.send(new DeleteScheduleCommand({ Name: 'every-minute', GroupName: 'app' }));
  });

  it('fires cron(0 3 * * ? *) in Europe/London at 03:00 local across both DST changes', async () => {
    now = utc('2026-03-27T12:00:00Z');
    emulator.define({
      name: 'nightly',
      groupName: 'deploy',
      expression: 'cron(0 3 * * ? *)',
      timezone: 'Europe/London',
      targetArn: TARGET_ARN,
      input: '{"job":"nightly"}',
    });
    const firedAt: string[] = [];
    const runUntil = async (end: number) => {
      // Walk the clock in 15-minute steps and note when the schedule fired.
      for (; now <= end; now += 15 * 60_000) {
        if ((await emulator.tick()) > 0) firedAt.push(new Date(now).toISOString());
      }
    };
    await runUntil(utc('2026-03-30T12:00:00Z'));
    now = utc('2026-10-23T12:00:00Z');
    // A clock jump skips missed occurrences: exactly one catch-up firing, then back on the local-03:00 grid.
    expect(await emulator.tick()).toBe(1);
    await runUntil(utc('2026-10-26T12:00:00Z'));

    expect(firedAt).toEqual([
      '2026-03-28T03:00:00.000Z', // GMT
      '2026-03-29T02:00:00.000Z', // BST from 01:00 UTC that morning
      '2026-03-30T02:00:00.000Z',
      '2026-10-24T02:00:00.000Z', // still BST
      '2026-10-25T03:00:00.000Z', // GMT again from 01:00 UTC that morning
      '2026-10-26T03:00:00.000Z',
    ]);
    expect(received).toHaveLength(7);
    expect(received[0]).toEqual({ job: 'nightly' });
    expect(() =>
      emulator.define({ name: 'nightly', groupName: 'deploy', expression: 'rate(1 day)', targetArn: TARGET_ARN }),
    ).toThrow(/already exists/);
    await client.send(new DeleteScheduleCommand({ Name: 'nightly', GroupName: 'deploy' }));
  });

  it('does not fire DISABLED schedules, and re-enabling starts them again', async () => {
    now = utc('2026-06-01T00:00:00Z');
    await create('paused', { ScheduleExpression: 'rate(1 minute)', State: 'DISABLED' });
    now += 5 * 60_000;
    expect(await emulator.tick()).toBe(0);
    expect(emulator.list().find((s) => s.name === 'paused')).toMatchObject({
      state: 'DISABLED',
      nextFireAt: undefined,
    });
    await client.send(
      new UpdateScheduleCommand({
        Name: 'paused',
        GroupName: 'app',
        ScheduleExpression: 'rate(1 minute)',
        Target: { Arn: TARGET_ARN, RoleArn: ROLE_ARN, Input: '{"resumed":true}' },
        FlexibleTimeWindow: { Mode: 'OFF' },
        State: 'ENABLED',
      }),
    );
    expect(await emulator.tick()).toBe(1);
    expect(received).toEqual([{ resumed: true }]);
    await client.send(new DeleteScheduleCommand({ Name: 'paused', GroupName: 'app' }));
  });

  it('respects StartDate and EndDate of recurring schedules', async () => {
    now = utc('2026-06-02T00:00:00Z');
    await create('window', {
      ScheduleExpression: 'rate(10 minutes)',
      State: 'ENABLED',
      StartDate: new Date('2026-06-02T01:00:00Z'),
      EndDate: new Date('2026-06-02T01:15:00Z'),
      ActionAfterCompletion: 'DELETE',
    });
    const fired: string[] = [];
    for (; now <= utc('2026-06-02T02:00:00Z'); now += 60_000) {
      if ((await emulator.tick()) > 0) fired.push(new Date(now).toISOString());
    }
    expect(fired).toEqual(['2026-06-02T01:00:00.000Z', '2026-06-02T01:10:00.000Z']);
    expect(emulator.list().some((s) => s.name === 'window')).toBe(false);
  });

  it('retries a failing target a few times (capped locally)', async () => {
    now = utc('2026-06-03T00:00:00Z');
    await create('flaky', {
      ScheduleExpression: 'at(2026-06-03T00:00:00)',
      State: 'ENABLED',
      Target: { Arn: FLAKY_ARN, RoleArn: ROLE_ARN, Input: '{}', RetryPolicy: { MaximumRetryAttempts: 185 } },
      ActionAfterCompletion: 'DELETE',
    });
    expect(await emulator.tick()).toBe(1);
    expect(flakyCalls).toBe(3);
  });
});

describe('scheduler emulator timer', () => {
  it('fires due schedules on its own every tickMs with the real clock', async () => {
    // Prepare
    const events: unknown[] = [];
    const emulator = await startSchedulerEmulator({
      port: 0,
      tickMs: 20,
      resolveTarget: () => ({
        name: 'Reminder',
        handler: async (event) => {
          events.push(event);
        },
      }),
      log: () => undefined,
    });
    try {
      // Act: a one-time schedule one second in the past is due at once.
      const past = new Date(Date.now() - 1_000).toISOString().slice(0, 19);
      emulator.define({ name: 'soon', expression: `at(${past})`, targetArn: TARGET_ARN, input: '{"soon":true}' });

      // Assess
      await vi.waitFor(() => expect(events).toEqual([{ soon: true }]), { timeout: 2_000, interval: 10 });
      expect(emulator.list()[0]).toMatchObject({ name: 'soon', groupName: 'default', nextFireAt: undefined });
    } finally {
      await emulator.close();
    }
  });
});
