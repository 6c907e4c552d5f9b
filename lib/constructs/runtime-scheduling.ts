import { Aws, type RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import { Construct } from 'constructs';
import { acknowledgeWildcard, REASONS } from '../nag.ts';
import { type AppFunction, grantInvokeExact } from './app-function.ts';

export interface RuntimeSchedulingProps {
  /** Removal policy of the schedule group (and the schedules in it). @default RemovalPolicy.RETAIN (the L2 default) */
  readonly removalPolicy?: RemovalPolicy;
}

/**
 * The schedule group that functions create schedules in at runtime (e.g. per-tenant heartbeats), and the grants a
 * scheduling function needs: manage schedules of this group only, pass one execution role that may invoke exactly its
 * target functions.
 */
export class RuntimeScheduling extends Construct {
  public readonly group: scheduler.ScheduleGroup;

  constructor(scope: Construct, id: string, props: RuntimeSchedulingProps = {}) {
    super(scope, id);
    this.group = new scheduler.ScheduleGroup(this, 'Group', { removalPolicy: props.removalPolicy });
  }

  /**
   * Lets `fn` create, update, read and delete schedules in the group, targeting `targets` through a dedicated
   * execution role, which it returns (its ARN, the group name and the targets' ARNs reach the function as
   * `SCHEDULER_ROLE_ARN`, `SCHEDULE_GROUP` and `FN_<NAME>_ARN` through lib/registry/environment.ts).
   *
   * `scheduler:ListSchedules` is left out on purpose: it supports no resource-level permissions, so granting it would
   * need `Resource: "*"`. Schedule names are deterministic (derived from the tenant and job), so the app never lists.
   */
  grantScheduler(fn: AppFunction, targets: ReadonlyMap<string, lambda.IFunction>): iam.Role {
    const fnId = fn.node.id;
    const role = new iam.Role(this, `${fnId}ExecutionRole`, {
      description: `Assumed by EventBridge Scheduler for schedules that ${fnId} creates`,
      assumedBy: new iam.ServicePrincipal('scheduler.amazonaws.com', {
        // Confused-deputy guard: only schedules of this account's group may use the role.
        conditions: {
          StringEquals: { 'aws:SourceAccount': Aws.ACCOUNT_ID },
          ArnEquals: { 'aws:SourceArn': this.group.scheduleGroupArn },
        },
      }),
    });
    for (const target of targets.values()) grantInvokeExact(target, role);

    const schedules = Stack.of(this).formatArn({
      service: 'scheduler',
      resource: 'schedule',
      resourceName: `${this.group.scheduleGroupName}/*`,
    });
    fn.addToRolePolicy(
      new iam.PolicyStatement({
        actions: [
          'scheduler:CreateSchedule',
          'scheduler:UpdateSchedule',
          'scheduler:DeleteSchedule',
          'scheduler:GetSchedule',
        ],
        resources: [schedules],
      }),
    );
    fn.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['iam:PassRole'],
        resources: [role.roleArn],
        conditions: { StringEquals: { 'iam:PassedToService': 'scheduler.amazonaws.com' } },
      }),
    );
    if (fn.role) acknowledgeWildcard(fn.role, schedules, REASONS.scheduleGroup);
    return role;
  }
}
