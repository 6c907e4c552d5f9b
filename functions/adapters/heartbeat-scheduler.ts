import {
  ConflictException,
  CreateScheduleCommand,
  type CreateScheduleCommandInput,
  DeleteScheduleCommand,
  ResourceNotFoundException,
  SchedulerClient,
  UpdateScheduleCommand,
} from '@aws-sdk/client-scheduler';
import type { HeartbeatSchedules } from '#domain/heartbeats.ts';
import { createSdkClient } from './sdk-client.ts';

/** The EventBridge Scheduler client; the endpoint comes from the SDK's standard configuration. */
export const createSchedulerClient = (): SchedulerClient => createSdkClient(SchedulerClient, {});

/** Where the tenants' heartbeat schedules live and what they invoke (from the registry's `schedulesTargets`). */
export interface HeartbeatScheduleTarget {
  readonly group: string;
  readonly roleArn: string;
  /** The heartbeat run function. */
  readonly functionArn: string;
}

/**
 * The tenant's heartbeat schedule in EventBridge Scheduler: `rate(1 minute)`, which starts at once on creation (the
 * first run follows a save within seconds). The local hours are checked by the run against the tenant's current time
 * zone setting, so changing `general.timeZone` needs no schedule update.
 */
export class SdkHeartbeatSchedules implements HeartbeatSchedules {
  constructor(
    private readonly client: Pick<SchedulerClient, 'send'>,
    private readonly target: HeartbeatScheduleTarget,
  ) {}

  async upsert(tenant: string, name: string): Promise<void> {
    const definition: CreateScheduleCommandInput = {
      Name: name,
      GroupName: this.target.group,
      Description: `Heartbeat test calls of tenant ${tenant}`,
      ScheduleExpression: 'rate(1 minute)',
      FlexibleTimeWindow: { Mode: 'OFF' },
      State: 'ENABLED',
      Target: {
        Arn: this.target.functionArn,
        RoleArn: this.target.roleArn,
        Input: JSON.stringify({ tenant }),
        // A missed minute is superseded by the next one: no retries piling up behind it.
        RetryPolicy: { MaximumRetryAttempts: 0, MaximumEventAgeInSeconds: 60 },
      },
    };
    try {
      await this.client.send(new CreateScheduleCommand(definition));
    } catch (error) {
      if (!(error instanceof ConflictException || (error as { name?: string }).name === 'ConflictException'))
        throw error;
      await this.client.send(new UpdateScheduleCommand(definition));
    }
  }

  async remove(name: string): Promise<void> {
    try {
      await this.client.send(new DeleteScheduleCommand({ Name: name, GroupName: this.target.group }));
    } catch (error) {
      if (
        error instanceof ResourceNotFoundException ||
        (error as { name?: string }).name === 'ResourceNotFoundException'
      )
        return;
      throw error;
    }
  }
}
