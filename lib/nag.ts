import { type App, Stack, Token, Validations } from 'aws-cdk-lib';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';

/**
 * cdk-nag (3.x: a CDK validation plugin) and every acknowledged finding of this app, each placed on the one construct
 * that has it, with the reason. An unacknowledged AwsSolutions finding makes `app.synth()` (and `cdk synth`) fail.
 *
 * IAM5 findings are per wildcard resource (`AwsSolutions-IAM5[Resource::<flattened ARN>]`), so the helpers below compute
 * the exact finding id the rule will report — an acknowledgment can never silence a different wildcard.
 */
export function registerNag(app: App): void {
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
}

export const REASONS = {
  xray:
    'X-Ray PutTraceSegments/PutTelemetryRecords support no resource-level permissions (Resource must be "*"); this is ' +
    'the only "*" in the role, which test/infra asserts for every policy.',
  tableIndexes:
    'Query on the global secondary indexes needs the index ARNs; "<table>/index/*" covers only the indexes of this ' +
    'one table (lib/tables.ts).',
  manageConnections:
    'Connection ids are only known at runtime; the grant is already scoped to POST/GET/DELETE @connections of this ' +
    "API's own stage.",
  scheduleGroup:
    'Schedule names are created at runtime (one per tenant job); the grant covers only schedules inside this ' +
    "app's own schedule group.",
  connectInstance:
    'Connect API calls name sub-resources (users, contacts, agent statuses, queues) of the one configured instance; ' +
    'the actions are an explicit list from the registry.',
  webSocketRoute:
    'API Gateway WebSocket APIs authorize only the $connect route; every later frame rides on the connection that ' +
    'the REQUEST authorizer admitted, and the handler reads the principal from the authorizer context.',
  publicHttpRoute: 'Deliberately public route (registry auth: "none"), e.g. the liveness probe: it returns no data.',
  failureQueue:
    'This queue is itself the on-failure destination (dead-letter) of a Kinesis event source mapping; a DLQ behind ' +
    'a DLQ adds nothing. Its messages expire after the configured retention.',
  devMfa:
    'Dev stage only: test users sign in from scripts and CI without an authenticator app. The prod user pool ' +
    'requires TOTP MFA.',
} as const;

export function acknowledge(scope: IConstruct, id: string, reason: string): void {
  Validations.of(scope).acknowledge({ id, reason });
}

/** The IAM5 finding id for one wildcard resource, as cdk-nag renders it in `consumer`'s template. */
export function wildcardFinding(consumer: IConstruct, resource: string): string {
  return `AwsSolutions-IAM5[Resource::${flattenCfnReference(Stack.of(consumer).resolve(resource))}]`;
}

/**
 * `value` as `consumer`'s template will contain it. A token of another stack becomes an `Fn::ImportValue` when the
 * app is prepared; `exportValue` returns that very import (CDK reuses the same export for the implicit reference), so
 * the finding id can be computed now, before synthesis.
 */
export function valueSeenBy(consumer: IConstruct, producer: IConstruct, value: string): string {
  const producingStack = Stack.of(producer);
  if (producingStack === Stack.of(consumer) || !Token.isUnresolved(value)) return value;
  return producingStack.exportValue(value);
}

export function acknowledgeXRay(role: IConstruct): void {
  acknowledge(role, 'AwsSolutions-IAM5[Resource::*]', REASONS.xray);
}

export function acknowledgeTableIndexes(role: IConstruct, table: ITable): void {
  acknowledge(role, wildcardFinding(role, `${valueSeenBy(role, table, table.tableArn)}/index/*`), REASONS.tableIndexes);
}

export function acknowledgeWildcard(role: IConstruct, resource: string, reason: string): void {
  acknowledge(role, wildcardFinding(role, resource), reason);
}

export function acknowledgeWebSocketRoute(route: IConstruct): void {
  acknowledge(route, 'AwsSolutions-APIG4', REASONS.webSocketRoute);
}

export function acknowledgePublicHttpRoute(route: IConstruct): void {
  acknowledge(route, 'AwsSolutions-APIG4', REASONS.publicHttpRoute);
}

export function acknowledgeFailureQueue(queue: IConstruct): void {
  acknowledge(queue, 'AwsSolutions-SQS3', REASONS.failureQueue);
}

export function acknowledgeDevUserPoolMfa(userPool: IConstruct): void {
  acknowledge(userPool, 'AwsSolutions-COG2', REASONS.devMfa);
}

/**
 * Turns a resolved CloudFormation value into cdk-nag's flat form (`<Logical.Attr>`, `<Ref>`, the export name of an
 * `Fn::ImportValue`, `Fn::Join` concatenated). Mirrors cdk-nag's internal `flattenCfnReference`, which it does not
 * export.
 */
export function flattenCfnReference(node: unknown): string {
  if (node === undefined) return '';
  if (typeof node === 'string') return node.replace(/\$\{/g, '<').replace(/\}/g, '>');
  if (typeof node === 'object' && node !== null) {
    const o = node as Record<string, unknown>;
    const join = o['Fn::Join'];
    if (Array.isArray(join)) {
      const [delimiter, items] = join as [string, unknown[]];
      return items.map(flattenCfnReference).join(delimiter);
    }
    if (o['Fn::Sub'] !== undefined) return flattenCfnReference(o['Fn::Sub']);
    const getAtt = o['Fn::GetAtt'];
    if (Array.isArray(getAtt)) return `<${flattenCfnReference(getAtt[0])}.${flattenCfnReference(getAtt[1])}>`;
    if (o['Fn::ImportValue'] !== undefined) return flattenCfnReference(o['Fn::ImportValue']);
    if (o.Ref !== undefined) return `<${flattenCfnReference(o.Ref)}>`;
  }
  return JSON.stringify(node);
}
