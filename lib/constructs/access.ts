import { Aws, Stack } from 'aws-cdk-lib';
import type { WebSocketStage } from 'aws-cdk-lib/aws-apigatewayv2';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import type { IStream } from 'aws-cdk-lib/aws-kinesis';
import { acknowledgeTableIndexes, acknowledgeWildcard, REASONS } from '../nag.ts';
import { accessEnvironment } from '../registry/environment.ts';
import type { HandlerDefinition, StreamKey } from '../registry/types.ts';
import { TABLES, type TableKey } from '../tables.ts';
import { type AppFunction, grantInvokeExact } from './app-function.ts';
import type { RuntimeScheduling } from './runtime-scheduling.ts';

/** Where a function's `access` entries point to. Optional members are wired only when something needs them. */
export interface AccessTargets {
  readonly tables: Readonly<Record<TableKey, ITable>>;
  readonly streams: Readonly<Record<StreamKey, IStream>>;
  /** Every registry function by name (targets of `invokes` and `schedulesTargets`). */
  readonly functions: ReadonlyMap<string, AppFunction>;
  /** The token issuer and audience (user pool + app client) for `verifiesTokens`. */
  readonly tokens?: { readonly issuer: string; readonly audience: string };
  /** The WebSocket stage whose connections `manageConnections` functions post to. */
  readonly webSocketStage?: WebSocketStage;
  /** Created on first use by `schedulesTargets`. */
  readonly scheduling?: () => RuntimeScheduling;
  /**
   * The Amazon Connect instances the operator configured (CDK context). `connect` actions are allowed on exactly
   * these; empty: no Connect permission at all.
   */
  readonly connectInstanceArns: readonly string[];
}

/** The JWT settings a token-verifying function (and the HTTP JWT authorizer) use for a Cognito user pool. */
export function cognitoIssuer(userPoolId: string): string {
  return `https://cognito-idp.${Aws.REGION}.${Aws.URL_SUFFIX}/${userPoolId}`;
}

/**
 * Applies a registry entry's `access` to its function: the grants each kind of access implies, and the environment
 * computed by `accessEnvironment` (lib/registry/environment.ts) — the same function the local runtime uses, so the
 * variables a function gets can never differ between the cloud and `npm start`.
 */
export function applyAccess(fn: AppFunction, def: HandlerDefinition, targets: AccessTargets): void {
  const { access } = def;
  const role = fn.role;
  if (!role) throw new Error(`${def.name}: the function has no role`);

  for (const [key, level] of Object.entries(access.tables ?? {}) as [TableKey, 'read' | 'readwrite'][]) {
    const table = targets.tables[key];
    fn.grantTable(table, level);
    if (TABLES[key].indexes.length > 0) acknowledgeTableIndexes(role, table);
  }

  const stage = targets.webSocketStage;
  if (access.manageConnections) {
    if (!stage) throw new Error(`${def.name}: manageConnections needs a WebSocket API (no ws routes in the registry)`);
    // Stage-scoped, narrower than webSocketApi.grantManageConnections (which covers every stage).
    stage.grantManagementApiAccess(fn);
    // The same ARN grantManagementApiAccess builds, so the acknowledgment names exactly that finding.
    const apiArn = Stack.of(stage.api).formatArn({ service: 'execute-api', resource: stage.api.apiId });
    acknowledgeWildcard(role, `${apiArn}/${stage.stageName}/*/@connections/*`, REASONS.manageConnections);
  }

  for (const name of access.invokes ?? []) grantInvokeExact(requireFunction(targets, def, name), fn);

  for (const key of access.writesStreams ?? []) targets.streams[key].grantWrite(fn);

  let schedulerRole: iam.IRole | undefined;
  let scheduling: RuntimeScheduling | undefined;
  if (access.schedulesTargets && access.schedulesTargets.length > 0) {
    if (!targets.scheduling) throw new Error(`${def.name}: schedulesTargets needs runtime scheduling`);
    scheduling = targets.scheduling();
    const scheduleTargets = new Map(access.schedulesTargets.map((n) => [n, requireFunction(targets, def, n)]));
    schedulerRole = scheduling.grantScheduler(fn, scheduleTargets);
  }

  const instances = targets.connectInstanceArns;
  if (access.connect && access.connect.length > 0 && instances.length > 0) {
    for (const action of access.connect) {
      // An explicit API name only: no "*" or "Describe*" can slip in through the registry.
      if (!/^[A-Z][A-Za-z0-9]+$/.test(action)) throw new Error(`${def.name}: invalid Connect action "${action}"`);
    }
    // Exactly the configured instances (and their users/statuses/contacts): never another instance of the account.
    fn.addToRolePolicy(
      new iam.PolicyStatement({
        actions: access.connect.map((a) => `connect:${a}`),
        resources: instances.flatMap((arn) => [arn, `${arn}/*`]),
      }),
    );
    for (const arn of instances) acknowledgeWildcard(role, `${arn}/*`, REASONS.connectInstance);
  }

  const env = accessEnvironment(def, {
    tableName: (key) => targets.tables[key].tableName,
    streamName: (key) => targets.streams[key].streamName,
    functionName: (name) => requireFunction(targets, def, name).functionName,
    functionArn: (name) => requireFunction(targets, def, name).functionArn,
    ...(stage ? { wsEndpoint: stage.callbackUrl } : {}),
    ...(targets.tokens
      ? { tokens: { ...targets.tokens, jwksUri: `${targets.tokens.issuer}/.well-known/jwks.json` } }
      : {}),
    ...(scheduling && schedulerRole
      ? { scheduling: () => ({ group: scheduling.group.scheduleGroupName, roleArn: schedulerRole.roleArn }) }
      : {}),
    connectInstanceArns: instances,
  });
  for (const [name, value] of Object.entries(env)) fn.addEnvironment(name, value);
}

function requireFunction(targets: AccessTargets, def: HandlerDefinition, name: string): AppFunction {
  const fn = targets.functions.get(name);
  if (!fn) throw new Error(`${def.name}: no registry function named ${name}`);
  return fn;
}
