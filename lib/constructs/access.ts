import { Aws, Stack } from 'aws-cdk-lib';
import type { WebSocketStage } from 'aws-cdk-lib/aws-apigatewayv2';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import type { IStream } from 'aws-cdk-lib/aws-kinesis';
import { acknowledgeTableIndexes, acknowledgeWildcard, REASONS } from '../nag.ts';
import type { HandlerDefinition, StreamKey } from '../registry/types.ts';
import { TABLES, type TableKey } from '../tables.ts';
import type { AppFunction } from './app-function.ts';
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
  /** Amazon Connect; absent: `connect` access wires nothing and the code treats Connect as disabled. */
  readonly connect?: { readonly instanceArn: string; readonly instanceId: string };
  /** The operator's heartbeat lines as JSON (context `heartbeatLines`), for `heartbeatLines` access. */
  readonly heartbeatLines?: string;
}

/** The JWT settings a token-verifying function (and the HTTP JWT authorizer) use for a Cognito user pool. */
export function cognitoIssuer(userPoolId: string): string {
  return `https://cognito-idp.${Aws.REGION}.${Aws.URL_SUFFIX}/${userPoolId}`;
}

/**
 * Applies a registry entry's `access` to its function: every environment variable together with the grant it implies
 * (see the comments of `Access` in lib/registry/types.ts for the variable names).
 */
export function applyAccess(fn: AppFunction, def: HandlerDefinition, targets: AccessTargets): void {
  const { access } = def;
  const role = fn.role;
  if (!role) throw new Error(`${def.name}: the function has no role`);

  for (const [key, level] of Object.entries(access.tables ?? {}) as [TableKey, 'read' | 'readwrite'][]) {
    const table = targets.tables[key];
    fn.bindTable(table, key, level);
    if (TABLES[key].indexes.length > 0) acknowledgeTableIndexes(role, table);
  }

  if (access.manageConnections) {
    const stage = targets.webSocketStage;
    if (!stage) throw new Error(`${def.name}: manageConnections needs a WebSocket API (no ws routes in the registry)`);
    fn.addEnvironment('WS_ENDPOINT', stage.callbackUrl);
    // Stage-scoped, narrower than webSocketApi.grantManageConnections (which covers every stage).
    stage.grantManagementApiAccess(fn);
    // The same ARN grantManagementApiAccess builds, so the acknowledgment names exactly that finding.
    const apiArn = Stack.of(stage.api).formatArn({ service: 'execute-api', resource: stage.api.apiId });
    acknowledgeWildcard(role, `${apiArn}/${stage.stageName}/*/@connections/*`, REASONS.manageConnections);
  }

  if (access.verifiesTokens) {
    const tokens = targets.tokens;
    if (!tokens) throw new Error(`${def.name}: verifiesTokens needs a user pool`);
    fn.addEnvironment('JWT_ISSUER', tokens.issuer);
    fn.addEnvironment('JWT_AUDIENCE', tokens.audience);
    fn.addEnvironment('JWKS_URI', `${tokens.issuer}/.well-known/jwks.json`);
  }

  for (const name of access.invokes ?? []) {
    fn.bindInvoke(requireFunction(targets, def, name), name);
  }

  for (const key of access.writesStreams ?? []) {
    fn.bindStreamWriter(targets.streams[key], key);
  }

  if (access.schedulesTargets && access.schedulesTargets.length > 0) {
    if (!targets.scheduling) throw new Error(`${def.name}: schedulesTargets needs runtime scheduling`);
    const scheduleTargets = new Map(access.schedulesTargets.map((n) => [n, requireFunction(targets, def, n)]));
    targets.scheduling().bindScheduler(fn, scheduleTargets);
  }

  if (access.connect && targets.connect) {
    const { instanceArn, instanceId } = targets.connect;
    for (const action of access.connect) {
      // An explicit API name only: no "*" or "Describe*" can slip in through the registry.
      if (!/^[A-Z][A-Za-z0-9]+$/.test(action)) throw new Error(`${def.name}: invalid Connect action "${action}"`);
    }
    // `connect: []` reads which instance is configured (e.g. to check a tenant's binding) without any grant.
    fn.addEnvironment('CONNECT_INSTANCE_ID', instanceId);
    fn.addEnvironment('CONNECT_INSTANCE_ARN', instanceArn);
  }
  if (access.connect && access.connect.length > 0 && targets.connect) {
    const { instanceArn } = targets.connect;
    fn.addToRolePolicy(
      new iam.PolicyStatement({
        actions: access.connect.map((a) => `connect:${a}`),
        resources: [instanceArn, `${instanceArn}/*`],
      }),
    );
    acknowledgeWildcard(role, `${instanceArn}/*`, REASONS.connectInstance);
  }
  if (access.heartbeatLines && targets.heartbeatLines) {
    fn.addEnvironment('HEARTBEAT_LINES', targets.heartbeatLines);
  }
}

function requireFunction(targets: AccessTargets, def: HandlerDefinition, name: string): AppFunction {
  const fn = targets.functions.get(name);
  if (!fn) throw new Error(`${def.name}: no registry function named ${name}`);
  return fn;
}
