import { App, Stack, Validations } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';
import { describe, expect, it } from 'vitest';
import { buildApp } from '../../lib/app.ts';
import { HANDLERS } from '../../lib/registry/index.ts';
import { acknowledgedOn, INSTANCE_ARN as CONNECT, EXTRA_HANDLERS, INSTANCE_ID } from './support.ts';

/**
 * Two configured instances, as an operator passes them (`-c connectInstances='[…]'`, a JSON string): the second writes
 * agent events to a stream of its own; both have heartbeat lines. Every Connect-scoped grant, resource policy and
 * integration association of the stack exists in this app only.
 */
const SECOND_ID = '9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d';
const CONNECT_CONTEXT = {
  stage: 'prod',
  connectInstances: JSON.stringify([
    { instanceArn: CONNECT },
    {
      instanceArn: `arn:aws:connect:eu-west-2:123456789012:instance/${SECOND_ID}`,
      agentEventStreamArn: 'arn:aws:kinesis:eu-west-2:123456789012:stream/connect-b-agent-events',
    },
  ]),
  heartbeatLines: JSON.stringify({
    [INSTANCE_ID]: { destinationPhoneNumber: '+442071234567', sourcePhoneNumber: '+442071234568' },
    [SECOND_ID]: { destinationPhoneNumber: '+442071234569' },
  }),
};

function newApp(context: Record<string, unknown> = {}): App {
  return new App({ context: { 'aws:cdk:bundling-stacks': [], ...context } });
}

describe('cdk-nag AwsSolutions', () => {
  it.each<[string, Record<string, unknown>]>([
    ['without Connect', {}],
    ['prod, one instance (connectInstanceArn)', { stage: 'prod', connectInstanceArn: CONNECT }],
    ['prod, two instances (connectInstances) with heartbeat lines', CONNECT_CONTEXT],
  ])('passes for the app (%s): every finding is acknowledged', (_, context) => {
    const app = newApp(context);
    buildApp(app);

    expect(() => app.synth()).not.toThrow();
  });

  it('covers the Connect-scoped grants, resource policies and associations when instances are configured', () => {
    // Prepare
    const app = newApp(CONNECT_CONTEXT);
    const built = buildApp(app);

    // Act
    expect(() => app.synth()).not.toThrow();

    // Assess: what the nag run above covered (not only the instance-free app).
    const api = Template.fromStack(built.api);
    api.resourceCountIs('AWS::Connect::IntegrationAssociation', 2);
    api.resourcePropertiesCountIs('AWS::Lambda::Permission', { Principal: 'connect.amazonaws.com' }, 2);
    const actions = JSON.stringify(api.findResources('AWS::IAM::Role'));
    for (const action of ['connect:StartOutboundVoiceContact', 'connect:PutUserStatus'])
      expect(actions).toContain(action);
    expect(actions).toContain(SECOND_ID);
    expect(JSON.stringify(api.toJSON())).toContain('connect-b-agent-events');
  });

  it('is active: a non-compliant construct in the same app fails the synth', () => {
    const app = newApp();
    buildApp(app);
    new s3.Bucket(new Stack(app, 'TestOnlyBad'), 'InsecureBucket');

    expect(() => app.synth()).toThrow(/TestOnlyBad\/InsecureBucket\/Resource[\s\S]*AwsSolutions-S10/);
  });

  it.each([
    ['the registry', {}, undefined],
    [
      'the registry plus every trigger and access kind',
      { connectInstanceArn: CONNECT },
      [...HANDLERS, ...EXTRA_HANDLERS],
    ],
    ['the registry with two configured Connect instances and heartbeat lines', CONNECT_CONTEXT, undefined],
  ])('acknowledges only findings that exist, on the construct that has them (%s)', (_, context, handlers) => {
    // Prepare: the app, synthesized (cross-stack references resolved), then the rules run again ignoring every
    // acknowledgment, which lists what the acknowledgments hide.
    const app = newApp(context);
    buildApp(app, { handlers });
    app.synth();
    const raw = new AwsSolutionsChecks();
    (raw as unknown as { isAcknowledged: () => boolean }).isAcknowledged = () => false;

    // Act
    const report = raw.validateScope(app);

    // Assess
    const byPath = new Map<string, IConstruct>(app.node.findAll().map((c) => [c.node.path, c]));
    const findings = report.violations.flatMap((v) =>
      v.violatingResources.map((r) => ({ rule: v.ruleName, path: r.constructPath ?? '' })),
    );
    expect(findings.length).toBeGreaterThan(0);
    // Each finding is acknowledged on the resource or an ancestor below its stack (never stack- or app-wide).
    for (const f of findings) {
      const owners: string[] = [];
      for (let c: IConstruct | undefined = byPath.get(f.path); c; c = c.node.scope) {
        if (acknowledgedOn(c).includes(f.rule)) owners.push(c.node.path);
      }
      expect({ ...f, acknowledged: owners.length > 0 }).toEqual({ ...f, acknowledged: true });
      for (const owner of owners) expect(owner.split('/').length).toBeGreaterThan(1);
    }
    // Each acknowledgment names a finding inside the construct it sits on (no stale or mistyped ids).
    for (const c of app.node.findAll()) {
      for (const rule of acknowledgedOn(c)) {
        const used = findings.some((f) => f.rule === rule && `${f.path}/`.startsWith(`${c.node.path}/`));
        expect({ at: c.node.path, rule, used }).toEqual({ at: c.node.path, rule, used: true });
      }
    }
    expect(Validations.ACKNOWLEDGED_RULES_METADATA_KEY).toBe('aws:cdk:acknowledged-rules');
  });
});
