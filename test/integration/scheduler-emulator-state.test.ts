import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CreateScheduleCommand,
  DeleteScheduleCommand,
  GetScheduleCommand,
  SchedulerClient,
} from '@aws-sdk/client-scheduler';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSchedulerEmulator } from '../../lib/local/scheduler-emulator.ts';

const TARGET = 'arn:aws:lambda:us-east-1:000000000000:function:HeartbeatRun';

/** Schedules created at runtime (tenants' heartbeats) survive a restart of the local runtime with its data directory. */
describe('Scheduler emulator state file', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'scheduler-state-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const start = (fired: unknown[]) =>
    startSchedulerEmulator({
      port: 0,
      tickMs: 0,
      stateFile: join(dir, 'schedules.json'),
      resolveTarget: (arn) =>
        arn === TARGET
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
  const clientFor = (endpoint: string) =>
    new SchedulerClient({ endpoint, region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });
  const create = (name: string) =>
    new CreateScheduleCommand({
      Name: name,
      GroupName: 'g',
      ScheduleExpression: 'rate(1 minute)',
      FlexibleTimeWindow: { Mode: 'OFF' },
      Target: { Arn: TARGET, RoleArn: 'arn:aws:iam::000000000000:role/r', Input: JSON.stringify({ tenant: name }) },
    });

  it('restores API-created schedules, not deleted or define()d ones, and fires them', async () => {
    const first = await start([]);
    const client = clientFor(first.endpoint);
    await client.send(create('heartbeat-acme'));
    await client.send(create('heartbeat-gone'));
    await client.send(new DeleteScheduleCommand({ Name: 'heartbeat-gone', GroupName: 'g' }));
    first.define({ name: 'Deployed', expression: 'rate(1 minute)', targetArn: TARGET });
    client.destroy();
    await first.close();

    const fired: unknown[] = [];
    const second = await start(fired);
    const again = clientFor(second.endpoint);
    expect(await again.send(new GetScheduleCommand({ Name: 'heartbeat-acme', GroupName: 'g' }))).toMatchObject({
      State: 'ENABLED',
    });
    expect(second.list().map((s) => s.name)).toEqual(['heartbeat-acme']);
    expect(await second.tick()).toBe(1);
    expect(fired).toEqual([{ tenant: 'heartbeat-acme' }]);
    again.destroy();
    await second.close();
  });
});
