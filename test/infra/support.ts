import { App, type CfnElement, Stack, Validations } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import type { IConstruct } from 'constructs';
import { type BuiltApp, buildApp } from '../../lib/app.ts';
import type { HandlerDefinition } from '../../lib/registry/types.ts';

export interface SynthResult extends BuiltApp {
  readonly app: App;
  readonly statefulTemplate: Template;
  readonly apiTemplate: Template;
}

/**
 * Builds the same app as bin/app.ts. `aws:cdk:bundling-stacks: []` skips esbuild: unit tests check the templates,
 * `npm run synth` checks bundling.
 */
export function synthApp(
  context: Record<string, unknown> = {},
  options: { handlers?: readonly HandlerDefinition[]; nag?: boolean } = {},
): SynthResult {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [], ...context } });
  const built = buildApp(app, options);
  return {
    app,
    ...built,
    statefulTemplate: Template.fromStack(built.stateful),
    apiTemplate: Template.fromStack(built.api),
  };
}

export function logicalId(construct: IConstruct): string {
  const child = construct.node.defaultChild as CfnElement | undefined;
  if (!child) throw new Error(`${construct.node.path} has no default child`);
  return Stack.of(construct).getLogicalId(child);
}

type Json = Record<string, unknown>;

export interface Statement {
  readonly Effect: string;
  readonly Action: string | string[];
  readonly Resource: unknown;
  readonly Condition?: Json;
}

export function resourcesOf(template: Template, type: string): [string, Json][] {
  const resources = (template.toJSON() as { Resources: Record<string, Json> }).Resources;
  return Object.entries(resources).filter(([, r]) => r.Type === type);
}

type PolicyDocumentOf = { PolicyDocument: { Statement: Statement[] } };

/**
 * Every statement granted to the role with this logical id: its own inline policies (where the functions' grants
 * go, see InlinePolicyRole) and any AWS::IAM::Policy attached to it.
 */
export function statementsOfRole(template: Template, roleLogicalId: string): Statement[] {
  const role = template.toJSON().Resources?.[roleLogicalId] as { Properties?: { Policies?: PolicyDocumentOf[] } };
  const inline = (role?.Properties?.Policies ?? []).flatMap((p) => p.PolicyDocument.Statement);
  const attached = resourcesOf(template, 'AWS::IAM::Policy')
    .filter(([, r]) => {
      const roles = (r.Properties as { Roles?: unknown[] }).Roles ?? [];
      return roles.some((ref) => JSON.stringify(ref) === JSON.stringify({ Ref: roleLogicalId }));
    })
    .flatMap(([, r]) => (r.Properties as PolicyDocumentOf).PolicyDocument.Statement);
  return [...inline, ...attached];
}

/** Every identity-policy statement of the template, by the logical id of the resource that holds it. */
export function policyStatements(template: Template): Array<readonly [string, Statement]> {
  const fromPolicies = resourcesOf(template, 'AWS::IAM::Policy').flatMap(([id, r]) =>
    (r.Properties as PolicyDocumentOf).PolicyDocument.Statement.map((st) => [id, st] as const),
  );
  const fromRoles = resourcesOf(template, 'AWS::IAM::Role').flatMap(([id, r]) =>
    ((r.Properties as { Policies?: PolicyDocumentOf[] }).Policies ?? []).flatMap((p) =>
      p.PolicyDocument.Statement.map((st) => [id, st] as const),
    ),
  );
  return [...fromPolicies, ...fromRoles];
}

export function actionsOf(s: Statement): string[] {
  return Array.isArray(s.Action) ? s.Action : [s.Action];
}

export function resourceList(s: Statement): unknown[] {
  return Array.isArray(s.Resource) ? s.Resource : [s.Resource];
}

export function envOf(template: Template, fnLogicalId: string): Json {
  const fn = (template.toJSON() as { Resources: Record<string, Json> }).Resources[fnLogicalId];
  if (!fn) throw new Error(`no resource ${fnLogicalId}`);
  const props = fn.Properties as { Environment?: { Variables?: Json } };
  return props.Environment?.Variables ?? {};
}

/** Acknowledged rule ids recorded on exactly this construct (not its ancestors), without the plugin namespace. */
export function acknowledgedOn(construct: IConstruct): string[] {
  return construct.node.metadata
    .filter((m) => m.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
    .flatMap((m) => Object.keys(m.data as Json))
    .map((id) => id.replace(/^[A-Za-z]+::/, ''));
}

export const INSTANCE_ID = '0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b';
export const INSTANCE_ARN = `arn:aws:connect:eu-west-2:123456789012:instance/${INSTANCE_ID}`;
// Any existing module will do: bundling is skipped, but NodejsFunction checks that the entry exists.
const ENTRY = 'functions/handlers/http/health.ts';

/**
 * Triggers and access kinds the registry does not use yet, so the generic wiring (and its cdk-nag acknowledgments)
 * is exercised before a capability needs it.
 */
export const EXTRA_HANDLERS: readonly HandlerDefinition[] = [
  {
    name: 'TestNotifier',
    entry: ENTRY,
    description: 'pushes to connections',
    trigger: { kind: 'invoke' },
    access: { manageConnections: true, tables: { main: 'read' } },
  },
  {
    name: 'TestAgentEvents',
    entry: ENTRY,
    description: 'consumes agent events',
    trigger: { kind: 'kinesis', stream: 'agentEvents', batchSize: 100, maxBatchingWindowSeconds: 2 },
    access: { invokes: ['TestNotifier'], connect: ['PutUserStatus', 'DescribeUser'], writesStreams: ['agentEvents'] },
  },
  {
    name: 'TestTicker',
    entry: ENTRY,
    description: 'sweeps every minute and schedules heartbeats',
    trigger: { kind: 'schedule', expression: 'rate(1 minute)', input: { job: 'sweep' } },
    access: { schedulesTargets: ['TestNotifier'] },
    timeoutSeconds: 60,
  },
];

/** One function of the API stack as the infra tests look at it: logical id, environment and what its role may do. */
export function functionParts(s: SynthResult, name: string) {
  const fn = s.api.functions.get(name);
  if (!fn?.role) throw new Error(`no function ${name}`);
  const statements = statementsOfRole(s.apiTemplate, logicalId(fn.role));
  return {
    fn,
    id: logicalId(fn),
    env: envOf(s.apiTemplate, logicalId(fn)),
    statements,
    actions: statements.flatMap(actionsOf),
  };
}
