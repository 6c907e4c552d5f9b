import { App, Stack, Validations } from 'aws-cdk-lib';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';
import { describe, expect, it } from 'vitest';
import { buildApp } from '../../lib/app.ts';
import { HANDLERS } from '../../lib/registry/index.ts';
import { acknowledgedOn, INSTANCE_ARN as CONNECT, EXTRA_HANDLERS } from './support.ts';

function newApp(context: Record<string, unknown> = {}): App {
  return new App({ context: { 'aws:cdk:bundling-stacks': [], ...context } });
}

describe('cdk-nag AwsSolutions', () => {
  for (const context of [{}, { stage: 'prod', connectInstanceArn: CONNECT }]) {
    it(`passes for the app (${JSON.stringify(context)}): every finding is acknowledged`, () => {
      const app = newApp(context);
      buildApp(app);

      expect(() => app.synth()).not.toThrow();
    });
  }

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
