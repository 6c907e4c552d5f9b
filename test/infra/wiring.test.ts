import { Match } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { HANDLERS, type HandlerDefinition } from '../../lib/registry/index.ts';
import { validateHandlers } from '../../lib/registry/validate.ts';
import {
  actionsOf,
  EXTRA_HANDLERS as EXTRA,
  functionParts,
  INSTANCE_ARN,
  logicalId,
  policyStatements,
  resourceList,
  resourcesOf,
  type Statement,
  type SynthResult,
  statementsOfRole,
  synthApp,
} from './support.ts';

const SECOND_ARN = 'arn:aws:connect:eu-west-2:123456789012:instance/aaaaaaaa-4b5a-6978-8a9b-0c1d2e3f4a5b';
const SECOND_STREAM = 'arn:aws:kinesis:eu-west-2:123456789012:stream/connect-second';

const parts = functionParts;

function withAction(statements: Statement[], action: string): Statement[] {
  return statements.filter((st) => actionsOf(st).includes(action));
}

describe('generic wiring with Connect configured', () => {
  let s: SynthResult;
  beforeAll(() => {
    // nag stays on: synth succeeding proves every acknowledgment id was computed right for these wildcards too.
    s = synthApp(
      {
        connectInstances: JSON.stringify([
          { instanceArn: INSTANCE_ARN },
          { instanceArn: SECOND_ARN, agentEventStreamArn: SECOND_STREAM },
        ]),
      },
      { handlers: [...HANDLERS, ...EXTRA] },
    );
  });

  it('gives a `connect` function the configured instances and a statement scoped to exactly those', () => {
    const { env, statements } = parts(s, 'TestAgentEvents');

    expect(env).toMatchObject({ CONNECT_INSTANCE_ARNS: `${INSTANCE_ARN},${SECOND_ARN}` });
    const connect = statements.filter((st) => actionsOf(st).some((a) => a.startsWith('connect:')));
    expect(connect).toEqual([
      {
        Effect: 'Allow',
        Action: ['connect:PutUserStatus', 'connect:DescribeUser'],
        Resource: [INSTANCE_ARN, `${INSTANCE_ARN}/*`, SECOND_ARN, `${SECOND_ARN}/*`],
      },
    ]);
  });

  it('lets every function that changes statuses queue PutUserStatus (instances + worker), and only the worker call it', () => {
    for (const name of [
      'HttpStatusAgentSet',
      'HttpStatusMeSet',
      'WsStatusSet',
      'HttpApprovalDecide',
      'StreamAgentEvents',
      'ScheduleStatusInactivity',
    ]) {
      const { env, statements } = parts(s, name);
      expect(env, name).toMatchObject({
        CONNECT_INSTANCE_ARNS: `${INSTANCE_ARN},${SECOND_ARN}`,
        FN_SCHEDULE_STATUS_CONNECT_SYNC: { Ref: parts(s, 'ScheduleStatusConnectSync').id },
      });
      expect(
        statements.flatMap(actionsOf).filter((a) => a.startsWith('connect:')),
        name,
      ).toEqual([]);
    }
    const worker = parts(s, 'ScheduleStatusConnectSync').statements.filter((st) =>
      actionsOf(st).some((a) => a.startsWith('connect:')),
    );
    expect(worker).toEqual([
      {
        Effect: 'Allow',
        Action: 'connect:PutUserStatus',
        Resource: [INSTANCE_ARN, `${INSTANCE_ARN}/*`, SECOND_ARN, `${SECOND_ARN}/*`],
      },
    ]);
  });

  it('consumes the agent events of an instance that writes to a stream of its own', () => {
    const mappings = resourcesOf(s.apiTemplate, 'AWS::Lambda::EventSourceMapping').filter(([, r]) =>
      JSON.stringify((r.Properties as { FunctionName: unknown }).FunctionName).includes('StreamAgentEvents'),
    );
    expect(
      mappings.map(([, r]) => JSON.stringify((r.Properties as { EventSourceArn: unknown }).EventSourceArn)),
    ).toEqual(expect.arrayContaining([JSON.stringify(SECOND_STREAM)]));
    expect(mappings).toHaveLength(2);
  });

  it('invokes exactly the named function (no version wildcard) and learns its name', () => {
    const { env, statements } = parts(s, 'TestAgentEvents');
    const notifier = parts(s, 'TestNotifier');

    expect(env.FN_TEST_NOTIFIER).toEqual({ Ref: notifier.id });
    expect(withAction(statements, 'lambda:InvokeFunction')).toEqual([
      { Effect: 'Allow', Action: 'lambda:InvokeFunction', Resource: { 'Fn::GetAtt': [notifier.id, 'Arn'] } },
    ]);
  });

  it('writes to the agent event stream through STREAM_AGENT_EVENTS', () => {
    const { env, statements } = parts(s, 'TestAgentEvents');

    expect(env.STREAM_AGENT_EVENTS).toEqual(
      expect.objectContaining({ 'Fn::ImportValue': expect.stringContaining('AgentEvents') }),
    );
    expect(withAction(statements, 'kinesis:PutRecords')).toHaveLength(1);
  });

  it('consumes Kinesis from LATEST with partial batch failures, bounded retries and a failure queue', () => {
    const { id } = parts(s, 'TestAgentEvents');
    // The failure queue of this consumer (the registry's own consumers have queues of their own).
    const mapping = resourcesOf(s.apiTemplate, 'AWS::Lambda::EventSourceMapping').find(
      ([, r]) =>
        JSON.stringify((r.Properties as { FunctionName?: unknown }).FunctionName) === JSON.stringify({ Ref: id }),
    );
    const destination = JSON.stringify(
      (mapping?.[1].Properties as { DestinationConfig?: unknown } | undefined)?.DestinationConfig,
    );
    const queueId = resourcesOf(s.apiTemplate, 'AWS::SQS::Queue')
      .map(([qid]) => qid)
      .find((qid) => destination?.includes(`"${qid}"`));
    expect(queueId).toBeDefined();

    s.apiTemplate.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      FunctionName: { Ref: id },
      StartingPosition: 'LATEST',
      BatchSize: 100,
      MaximumBatchingWindowInSeconds: 2,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      BisectBatchOnFunctionError: true,
      MaximumRetryAttempts: 5,
      MaximumRecordAgeInSeconds: 3600,
      DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': [queueId, 'Arn'] } } },
    });
    s.apiTemplate.hasResourceProperties('AWS::SQS::Queue', { SqsManagedSseEnabled: true });
    s.apiTemplate.hasResourceProperties('AWS::SQS::QueuePolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
        ]),
      },
    });
  });

  it('posts to connections of its own stage only, with the callback URL as WS_ENDPOINT', () => {
    const { env, statements } = parts(s, 'TestNotifier');

    expect(JSON.stringify(env.WS_ENDPOINT)).toMatch(/"https:\/\/".*execute-api.*"\/dev"/);
    const [manage] = withAction(statements, 'execute-api:ManageConnections');
    expect(JSON.stringify(manage?.Resource)).toMatch(/\/dev\/\*\/@connections\/\*"/);
  });

  it('runs a deploy-time schedule with its expression and input, invoking only that function', () => {
    const ticker = parts(s, 'TestTicker');
    const [, schedule] =
      resourcesOf(s.apiTemplate, 'AWS::Scheduler::Schedule').find(([, r]) =>
        JSON.stringify((r.Properties as { Target?: { Arn?: unknown } }).Target?.Arn).includes(`"${ticker.id}"`),
      ) ?? [];
    if (!schedule) throw new Error('no schedule');
    const props = schedule.Properties as { Target: { RoleArn: { 'Fn::GetAtt': [string, string] } } };
    expect(props).toMatchObject({
      ScheduleExpression: 'rate(1 minute)',
      Target: { Arn: { 'Fn::GetAtt': [ticker.id, 'Arn'] }, Input: JSON.stringify({ job: 'sweep' }) },
    });
    const roleArn = props.Target.RoleArn;
    const roleStatements = statementsOfRole(s.apiTemplate, roleArn['Fn::GetAtt'][0]);
    expect(roleStatements).toEqual([
      { Effect: 'Allow', Action: 'lambda:InvokeFunction', Resource: { 'Fn::GetAtt': [ticker.id, 'Arn'] } },
    ]);
  });

  it('lets a scheduling function manage schedules of its group only and pass one narrow role', () => {
    const ticker = parts(s, 'TestTicker');
    const notifier = parts(s, 'TestNotifier');
    const scheduling = s.api.scheduling;
    expect(scheduling).toBeDefined();
    const groupId = scheduling ? logicalId(scheduling.group) : '';

    const groupName = scheduling ? s.api.resolve(scheduling.group.scheduleGroupName) : '';
    expect(ticker.env).toMatchObject({
      SCHEDULE_GROUP: groupName,
      SCHEDULER_ROLE_ARN: { 'Fn::GetAtt': [expect.any(String), 'Arn'] },
      FN_TEST_NOTIFIER_ARN: { 'Fn::GetAtt': [notifier.id, 'Arn'] },
    });
    const [manage] = withAction(ticker.statements, 'scheduler:CreateSchedule');
    expect(actionsOf(manage ?? { Effect: '', Action: [], Resource: [] }).sort()).toEqual([
      'scheduler:CreateSchedule',
      'scheduler:DeleteSchedule',
      'scheduler:GetSchedule',
      'scheduler:UpdateSchedule',
    ]);
    expect(JSON.stringify(manage?.Resource)).toContain(`:schedule/${groupName}/*"`);

    const executionRoleId = (ticker.env.SCHEDULER_ROLE_ARN as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0];
    expect(withAction(ticker.statements, 'iam:PassRole')).toEqual([
      {
        Effect: 'Allow',
        Action: 'iam:PassRole',
        Resource: { 'Fn::GetAtt': [executionRoleId, 'Arn'] },
        Condition: { StringEquals: { 'iam:PassedToService': 'scheduler.amazonaws.com' } },
      },
    ]);
    expect(statementsOfRole(s.apiTemplate, executionRoleId)).toEqual([
      { Effect: 'Allow', Action: 'lambda:InvokeFunction', Resource: { 'Fn::GetAtt': [notifier.id, 'Arn'] } },
    ]);
    s.apiTemplate.hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: {
        Statement: [
          Match.objectLike({
            Principal: { Service: 'scheduler.amazonaws.com' },
            Condition: Match.objectLike({ ArnEquals: { 'aws:SourceArn': { 'Fn::GetAtt': [groupId, 'Arn'] } } }),
          }),
        ],
      },
    });
  });

  it('applies registry timeouts and still has no "Resource: *" beyond X-Ray', () => {
    expect(s.apiTemplate.toJSON().Resources[parts(s, 'TestTicker').id].Properties.Timeout).toBe(60);
    const statements = policyStatements(s.apiTemplate).map(([, st]) => st);
    expect(statements.length).toBeGreaterThan(0);
    for (const st of statements.filter((x) => resourceList(x).includes('*'))) {
      expect(actionsOf(st).every((a) => a.startsWith('xray:'))).toBe(true);
    }
  });
});

describe('generic wiring without Connect', () => {
  it('leaves Connect unset: an empty instance list, no connect: permission', () => {
    const s = synthApp({}, { handlers: [...HANDLERS, ...EXTRA] });
    const { env, statements } = parts(s, 'TestAgentEvents');

    expect(env).toMatchObject({ CONNECT_INSTANCE_ARNS: '' });
    expect(statements.flatMap(actionsOf).filter((a) => a.startsWith('connect:'))).toEqual([]);
  });
});

describe('registry validation', () => {
  const base = HANDLERS.find((h) => h.name === 'HttpHealth');
  if (!base) throw new Error('HttpHealth missing from the registry');

  it('accepts the registry as it is', () => {
    expect(() => validateHandlers(HANDLERS)).not.toThrow();
  });

  it('rejects duplicate names and routes, and unknown targets', () => {
    const bad: HandlerDefinition[] = [
      ...HANDLERS,
      { ...base, name: 'HttpHealth' },
      { ...base, name: 'HttpHealthAgain' },
      { ...base, name: 'Caller', trigger: { kind: 'invoke' }, access: { invokes: ['Nobody'] } },
    ];
    expect(() => validateHandlers(bad)).toThrow(/duplicate name[\s\S]*duplicate HTTP route GET \/health[\s\S]*Nobody/);
  });

  it('rejects a wildcard Connect action', () => {
    const sneaky: HandlerDefinition = {
      ...base,
      name: 'Sneaky',
      trigger: { kind: 'invoke' },
      access: { connect: ['*'] },
    };
    expect(() =>
      synthApp({ connectInstanceArn: INSTANCE_ARN }, { handlers: [...HANDLERS, sneaky], nag: false }),
    ).toThrow(/invalid Connect action/);
  });
});
