import type { TableKey } from '../tables.ts';

/**
 * The handler registry: every Lambda function of the system, described once. The CDK stacks read it to create the
 * functions, routes, event sources and grants; the local runtime reads it to serve the very same modules with
 * API Gateway-, Kinesis- and Scheduler-shaped events. A handler added here is deployed and runs locally.
 */
export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/** Kinesis streams the system consumes or produces (defined in the stateful stack). */
export type StreamKey = 'agentEvents' | 'telemetry' | 'statusFeed';

export type Trigger =
  /** The WebSocket API's `$connect` REQUEST authorizer (token from the `token` query parameter). */
  | { readonly kind: 'ws-authorizer' }
  /**
   * A WebSocket route: `$connect`, `$disconnect`, `$default` or an action name (route selection is
   * `$request.body.action`). Message routes are two-way: what the handler returns in `body` is sent back to the caller.
   */
  | { readonly kind: 'ws'; readonly route: string }
  /** An HTTP API route; `auth: 'jwt'` puts it behind the Cognito JWT authorizer. Path params as `{name}`. */
  | { readonly kind: 'http'; readonly method: HttpMethod; readonly path: string; readonly auth: 'jwt' | 'none' }
  /** A Kinesis stream consumer with partial batch responses. */
  | {
      readonly kind: 'kinesis';
      readonly stream: StreamKey;
      readonly batchSize: number;
      readonly maxBatchingWindowSeconds?: number;
      /**
       * Read through an enhanced fan-out consumer (records pushed within ≈70 ms instead of a poll per shard every
       * second or so): for consumers whose latency users see. Locally: the poller reads a shard when a put lands
       * (at most every 50 ms), see lib/local/stream-signals.ts.
       */
      readonly enhancedFanOut?: boolean;
    }
  /** A recurring schedule defined at deploy time (EventBridge Scheduler), e.g. `rate(1 minute)`. */
  | { readonly kind: 'schedule'; readonly expression: string; readonly input?: Record<string, unknown> }
  /**
   * Invoked by other functions or by schedules created at runtime (async `Invoke`, `scheduler:CreateSchedule`
   * targets). Has no trigger of its own.
   */
  | { readonly kind: 'invoke' }
  /**
   * Invoked by Amazon Connect contact flows ("Invoke AWS Lambda function" block) of the configured instance(s): the
   * stack adds the resource policy for `connect.amazonaws.com` scoped to each instance and associates the function.
   */
  | { readonly kind: 'connect-flow' };

export interface Access {
  /** Tables this function reads or writes; sets the table's env var and the matching grant. */
  readonly tables?: Partial<Record<TableKey, 'read' | 'readwrite'>>;
  /** Posts to / deletes WebSocket connections (`execute-api:ManageConnections`); sets `WS_ENDPOINT`. */
  readonly manageConnections?: boolean;
  /** Verifies user tokens (the WebSocket authorizer); sets `JWT_ISSUER`, `JWT_AUDIENCE`, `JWKS_URI`. */
  readonly verifiesTokens?: boolean;
  /** Names of registry functions this one invokes asynchronously; sets `FN_<NAME>` to each function's name. */
  readonly invokes?: readonly string[];
  /** Kinesis streams this function writes to; sets `STREAM_<KEY>`. */
  readonly writesStreams?: readonly StreamKey[];
  /**
   * Manages schedules at runtime in the app's schedule group, targeting the named registry functions; sets
   * `SCHEDULE_GROUP`, `SCHEDULER_ROLE_ARN` and `FN_<NAME>_ARN`.
   */
  readonly schedulesTargets?: readonly string[];
  /**
   * Amazon Connect API actions (without the `connect:` prefix), allowed on exactly the instances the operator
   * configured. Sets `CONNECT_INSTANCE_ARNS` (comma-separated, empty when none is configured) — also for `connect: []`,
   * which grants no action: functions that queue Connect calls for a tenant's instance but do not make them.
   */
  readonly connect?: readonly string[];
  /** Reads the operator's heartbeat lines (phone numbers per Connect instance); sets `HEARTBEAT_LINES` (JSON). */
  readonly heartbeatLines?: boolean;
}

export interface HandlerDefinition {
  /** PascalCase, unique; the CDK construct id and the local runtime's name for the function. */
  readonly name: string;
  /** Entry module, relative to the repository root; it exports `handler`. */
  readonly entry: string;
  readonly description: string;
  readonly trigger: Trigger;
  readonly access: Access;
  /** @default 256 */
  readonly memorySize?: number;
  /** @default 10 seconds (WebSocket/HTTP integrations time out at 29 s anyway) */
  readonly timeoutSeconds?: number;
}

/** `FN_FAN_OUT_WORKER` for `FanOutWorker`: the env var through which a function learns another's name. */
export function functionEnvVar(name: string): string {
  return `FN_${name.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toUpperCase()}`;
}
