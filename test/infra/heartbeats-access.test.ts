import { beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, parseConfig } from '../../lib/config.ts';
import {
  actionsOf,
  functionParts,
  INSTANCE_ARN,
  INSTANCE_ID,
  logicalId,
  resourceList,
  resourcesOf,
  type SynthResult,
  statementsOfRole,
  synthApp,
} from './support.ts';

const SECOND_ID = '1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d';
const SECOND_ARN = `arn:aws:connect:us-east-1:123456789012:instance/${SECOND_ID}`;
const LINES = JSON.stringify({
  [INSTANCE_ID]: { destinationPhoneNumber: '+442071234567', sourcePhoneNumber: '+442071234568' },
});

/**
 * Heartbeat wiring with two Connect instances configured: Connect may invoke the contact-flow Lambda (from those
 * instances only), the config route may manage schedules of the group and pass exactly one role that may invoke
 * exactly the run, the run may start outbound calls on the configured instances only, and the operator's numbers reach
 * only the functions that need them.
 */
describe('heartbeat functions', () => {
  let s: SynthResult;
  beforeAll(() => {
    s = synthApp({ connectInstances: `${INSTANCE_ARN},${SECOND_ARN}`, heartbeatLines: LINES }, { nag: false });
  }, 180_000);

  const parts = (name: string) => functionParts(s, name);

  it('lets only the configured instances invoke the contact-flow Lambda, and associates it with each', () => {
    const { fn } = parts('ConnectHeartbeatFlow');
    const permissions = resourcesOf(s.apiTemplate, 'AWS::Lambda::Permission')
      .map(([, r]) => r.Properties as Record<string, unknown>)
      .filter((p) => p.Principal === 'connect.amazonaws.com');
    expect(permissions.map((p) => p.SourceArn).sort()).toEqual([INSTANCE_ARN, SECOND_ARN].sort());
    for (const permission of permissions) {
      expect(permission).toMatchObject({
        Action: 'lambda:InvokeFunction',
        FunctionName: { 'Fn::GetAtt': [logicalId(fn), 'Arn'] },
      });
      expect(permission.SourceAccount).toBeDefined();
    }
    const associations = resourcesOf(s.apiTemplate, 'AWS::Connect::IntegrationAssociation').map(
      ([, r]) => r.Properties as Record<string, unknown>,
    );
    expect(associations.map((a) => a.InstanceId).sort()).toEqual([INSTANCE_ARN, SECOND_ARN].sort());
    for (const association of associations) {
      expect(association).toMatchObject({
        IntegrationType: 'LAMBDA_FUNCTION',
        IntegrationArn: { 'Fn::GetAtt': [logicalId(fn), 'Arn'] },
      });
    }
  });

  it('the contact-flow Lambda calls no Connect API and answers within Connect’s 8 s', () => {
    const { env, actions } = parts('ConnectHeartbeatFlow');
    expect(actions.filter((a) => a.startsWith('connect:') || a.startsWith('scheduler:'))).toEqual([]);
    expect(env).toMatchObject({ CONNECT_INSTANCE_ARNS: `${INSTANCE_ARN},${SECOND_ARN}` });
    expect(env.HEARTBEAT_LINES).toBeUndefined();
    const fnProps = s.apiTemplate.toJSON().Resources[logicalId(parts('ConnectHeartbeatFlow').fn)].Properties;
    expect(fnProps.Timeout).toBeLessThanOrEqual(8);
  });

  it('the run starts outbound calls on the configured instances only', () => {
    const { env, statements } = parts('HeartbeatRun');
    const connect = statements.filter((st) => actionsOf(st).some((a) => a.startsWith('connect:')));
    expect(connect.flatMap(actionsOf)).toEqual(['connect:StartOutboundVoiceContact']);
    expect(connect.flatMap(resourceList)).toEqual([INSTANCE_ARN, `${INSTANCE_ARN}/*`, SECOND_ARN, `${SECOND_ARN}/*`]);
    expect(env).toMatchObject({ HEARTBEAT_LINES: LINES, CONNECT_INSTANCE_ARNS: `${INSTANCE_ARN},${SECOND_ARN}` });
  });

  it('the config route manages schedules of the group only and passes one role that invokes only the run', () => {
    const { env, statements, actions } = parts('HttpHeartbeatConfigPut');
    expect(actions.filter((a) => a.startsWith('connect:'))).toEqual([]);
    expect(actions.filter((a) => a.startsWith('scheduler:')).sort()).toEqual([
      'scheduler:CreateSchedule',
      'scheduler:DeleteSchedule',
      'scheduler:GetSchedule',
      'scheduler:UpdateSchedule',
    ]);
    const pass = statements.find((st) => actionsOf(st).includes('iam:PassRole'));
    expect(pass?.Condition).toEqual({ StringEquals: { 'iam:PassedToService': 'scheduler.amazonaws.com' } });
    expect(env).toMatchObject({ SCHEDULE_GROUP: expect.anything(), SCHEDULER_ROLE_ARN: expect.anything() });
    expect(env.FN_HEARTBEAT_RUN_ARN).toEqual({ 'Fn::GetAtt': [logicalId(parts('HeartbeatRun').fn), 'Arn'] });

    // The execution role the schedules use: assumed by the Scheduler for this group, invokes exactly the run.
    const roles = resourcesOf(s.apiTemplate, 'AWS::IAM::Role').filter(([id]) =>
      id.includes('HttpHeartbeatConfigPutExecutionRole'),
    );
    expect(roles).toHaveLength(1);
    const [roleId] = roles[0] ?? [''];
    const invoke = statementsOfRole(s.apiTemplate, roleId);
    expect(invoke.flatMap(actionsOf)).toEqual(['lambda:InvokeFunction']);
    expect(invoke.flatMap(resourceList)).toEqual([{ 'Fn::GetAtt': [logicalId(parts('HeartbeatRun').fn), 'Arn'] }]);
  });

  it('reads of config and results only read the table', () => {
    for (const name of ['HttpHeartbeatConfigGet', 'HttpHeartbeatsList']) {
      const { actions, env } = parts(name);
      expect(actions.filter((a) => /^dynamodb:(Put|Update|Delete|BatchWrite)/.test(a))).toEqual([]);
      expect(actions.filter((a) => /^(connect|scheduler|iam|execute-api|lambda):/.test(a))).toEqual([]);
      expect(env.HEARTBEAT_LINES).toBeUndefined();
    }
  });
});

describe('heartbeat lines context', () => {
  it('accepts lines of the configured instances only', () => {
    expect(parseConfig({ connectInstanceArn: INSTANCE_ARN, heartbeatLines: LINES }).heartbeatLines).toEqual(
      JSON.parse(LINES),
    );
    const both = JSON.stringify({
      ...JSON.parse(LINES),
      [SECOND_ID]: { destinationPhoneNumber: '+15550100100' },
    });
    expect(
      Object.keys(parseConfig({ connectInstances: [INSTANCE_ARN, SECOND_ARN], heartbeatLines: both }).heartbeatLines),
    ).toEqual([INSTANCE_ID, SECOND_ID]);
    expect(() => parseConfig({ heartbeatLines: LINES })).toThrow(ConfigError);
    expect(() => parseConfig({ connectInstanceArn: SECOND_ARN, heartbeatLines: LINES })).toThrow(/heartbeatLines/);
    expect(() =>
      parseConfig({
        connectInstanceArn: INSTANCE_ARN,
        heartbeatLines: JSON.stringify({ [INSTANCE_ID]: { destinationPhoneNumber: '0207' } }),
      }),
    ).toThrow(ConfigError);
    expect(parseConfig({}).heartbeatLines).toEqual({});
  });
});
