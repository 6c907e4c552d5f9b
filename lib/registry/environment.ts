import { TABLES, type TableKey } from '../tables.ts';
import { functionEnvVar, type HandlerDefinition, type StreamKey } from './types.ts';

/**
 * THE place where a function's environment is derived from its registry `access`. The CDK stack calls it with
 * deploy-time values (tokens such as a table's name), the local runtime with the local emulators' values: both give a
 * function exactly the variables its access declares and nothing else, so an access missing from the registry breaks
 * the function locally the way it would break it in the cloud. The grants that go with each kind of access are in
 * lib/constructs/access.ts, keyed on the same fields.
 */
export interface EnvironmentSources {
  readonly tableName: (key: TableKey) => string;
  readonly streamName: (key: StreamKey) => string;
  /** Name and ARN of another registry function (targets of `invokes` and `schedulesTargets`). */
  readonly functionName: (name: string) => string;
  readonly functionArn: (name: string) => string;
  /** The @connections endpoint (the WebSocket stage's callback URL); required by `manageConnections`. */
  readonly wsEndpoint?: string;
  /** Required by `verifiesTokens`. */
  readonly tokens?: { readonly issuer: string; readonly audience: string; readonly jwksUri: string };
  /** Required by `schedulesTargets`: the schedule group and the execution role passed to the schedules. */
  readonly scheduling?: (fn: HandlerDefinition) => { readonly group: string; readonly roleArn: string };
  /** The Amazon Connect instances the operator configured for this deployment (may be empty). */
  readonly connectInstanceArns: readonly string[];
}

/** `CONNECT_INSTANCE_ARNS`: comma-separated; empty when the deployment serves no Connect instance. */
export const CONNECT_INSTANCES_VAR = 'CONNECT_INSTANCE_ARNS';

export function accessEnvironment(def: HandlerDefinition, sources: EnvironmentSources): Record<string, string> {
  const { access } = def;
  const env: Record<string, string> = {};
  for (const key of Object.keys(access.tables ?? {}) as TableKey[]) env[TABLES[key].envVar] = sources.tableName(key);

  if (access.manageConnections) {
    if (!sources.wsEndpoint) throw new Error(`${def.name}: manageConnections needs a WebSocket API`);
    env.WS_ENDPOINT = sources.wsEndpoint;
  }
  if (access.verifiesTokens) {
    if (!sources.tokens) throw new Error(`${def.name}: verifiesTokens needs a user pool`);
    env.JWT_ISSUER = sources.tokens.issuer;
    env.JWT_AUDIENCE = sources.tokens.audience;
    env.JWKS_URI = sources.tokens.jwksUri;
  }
  for (const name of access.invokes ?? []) env[functionEnvVar(name)] = sources.functionName(name);
  for (const key of access.writesStreams ?? []) env[streamEnvVar(key)] = sources.streamName(key);
  if (access.schedulesTargets && access.schedulesTargets.length > 0) {
    if (!sources.scheduling) throw new Error(`${def.name}: schedulesTargets needs runtime scheduling`);
    const { group, roleArn } = sources.scheduling(def);
    env.SCHEDULE_GROUP = group;
    env.SCHEDULER_ROLE_ARN = roleArn;
    for (const name of access.schedulesTargets) env[`${functionEnvVar(name)}_ARN`] = sources.functionArn(name);
  }
  // `connect: []` too: such a function reads the configured instances (e.g. to queue PutUserStatus for a tenant's
  // instance, or to bind one) without calling Connect itself. Always set, empty when Connect is not configured, so a
  // function can require it at init.
  if (access.connect) env[CONNECT_INSTANCES_VAR] = sources.connectInstanceArns.join(',');
  return env;
}

/** `STREAM_AGENT_EVENTS` for `agentEvents`. */
export function streamEnvVar(key: StreamKey): string {
  return `STREAM_${key.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toUpperCase()}`;
}
