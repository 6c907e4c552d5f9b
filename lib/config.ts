import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { Node } from 'constructs';
import * as z from 'zod';
import { type HeartbeatLines, heartbeatLinesSchema } from '../functions/domain/heartbeat-schemas.ts';

/**
 * Stage configuration, read from CDK context (`cdk.json` or `-c name=value`) and validated once, before any construct
 * is created: a typo in a context value fails the synth with a message naming the parameter, not a deploy halfway.
 *
 * Context parameters (all optional):
 *   stage                'dev' | 'prod' (default 'dev'): names the stacks, picks removal policy and log retention.
 *   connectInstances     the Amazon Connect instances this deployment may serve (operator configuration): a JSON array
 *                        of `{"instanceArn": "arn:aws:connect:<region>:<account>:instance/<uuid>",
 *                        "agentEventStreamArn"?: "arn:aws:kinesis:…:stream/<name>"}` (the stream that instance writes
 *                        its agent events to; default: the deployment's agent event stream), or a comma-separated list
 *                        of instance ARNs. Connect permissions name exactly these instances; a tenant can be bound
 *                        (by an operator, at runtime) only to one of them. Without any, Connect is not wired.
 *   connectInstanceArn   shorthand for one instance on the deployment's agent event stream.
 *   agentEventStreamArn  arn:aws:kinesis:<region>:<account>:stream/<name>: an existing stream Connect already writes
 *                        Agent Events to. Without it the stateful stack creates one (point Connect at it after deploy).
 *   alarmEmail           address for alarm notifications (reserved for the observability work; validated already).
 *   allowedOrigins       comma-separated origins for the HTTP API's CORS, e.g. `https://a.example,https://b.example`.
 *                        Without it the API sends no CORS headers (same-origin or non-browser callers only).
 *   logLevel             POWERTOOLS_LOG_LEVEL of every function (default INFO).
 *   sourceMaps           `true`: bundles carry source maps and functions run with `--enable-source-maps` (stack traces
 *                        in TypeScript lines), at a cost at every cold start; default `false` (lib/bundling.ts).
 *   heartbeatLines       JSON: per Connect instance id, the numbers heartbeat test calls use:
 *                        `{"<instance id>":{"destinationPhoneNumber":"+44…","sourcePhoneNumber":"+44…"}}`. Operator
 *                        configuration on purpose: tenants pick a flow and queue of their instance, never a number.
 */
export const CONTEXT_KEYS = [
  'stage',
  'connectInstances',
  'connectInstanceArn',
  'agentEventStreamArn',
  'alarmEmail',
  'allowedOrigins',
  'logLevel',
  'sourceMaps',
  'heartbeatLines',
] as const;

export type ContextKey = (typeof CONTEXT_KEYS)[number];

/** `-c name=` on the command line yields an empty string: treat it like an absent value. */
const optional = <T extends z.ZodType>(schema: T) =>
  z.preprocess((v) => (typeof v === 'string' && v.trim() === '' ? undefined : v), schema.optional());

const origin = z
  .string()
  .trim()
  .regex(/^https?:\/\/[^/\s,]+$/, 'an origin is scheme://host[:port] without path, e.g. https://console.example.com');

const instanceArn = z
  .string()
  .trim()
  .regex(
    /^arn:aws[a-z-]*:connect:[a-z0-9-]+:\d{12}:instance\/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/,
    'expected arn:aws:connect:<region>:<account>:instance/<uuid>',
  );
const streamArn = z
  .string()
  .trim()
  .regex(
    /^arn:aws[a-z-]*:kinesis:[a-z0-9-]+:\d{12}:stream\/[A-Za-z0-9_.-]{1,128}$/,
    'expected arn:aws:kinesis:<region>:<account>:stream/<name>',
  );
const instanceEntry = z.union([
  instanceArn.transform((arn) => ({ instanceArn: arn })),
  z.object({ instanceArn, agentEventStreamArn: streamArn.optional() }).strict(),
]);
/** `-c connectInstances=…` arrives as a string: JSON, or a comma-separated list of ARNs. cdk.json may hold an array. */
const instanceList = z.preprocess((v) => {
  if (typeof v !== 'string') return v;
  const text = v.trim();
  if (text.startsWith('[')) {
    try {
      return JSON.parse(text);
    } catch {
      return v;
    }
  }
  return text
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}, z.array(instanceEntry).min(1));

const contextSchema = z.object({
  stage: z.enum(['dev', 'prod']).default('dev'),
  connectInstances: optional(instanceList),
  connectInstanceArn: optional(instanceArn),
  agentEventStreamArn: optional(streamArn),
  alarmEmail: optional(z.email()),
  allowedOrigins: optional(
    z
      .string()
      .transform((s) =>
        s
          .split(',')
          .map((o) => o.trim())
          .filter((o) => o !== ''),
      )
      .pipe(z.array(origin).min(1)),
  ),
  logLevel: z.enum(['DEBUG', 'INFO', 'WARN', 'ERROR']).default('INFO'),
  // `-c sourceMaps=true` arrives as a string, cdk.json may hold a boolean.
  sourceMaps: z.union([z.boolean(), z.enum(['true', 'false']).transform((v) => v === 'true')]).default(false),
  heartbeatLines: optional(
    z.preprocess((v) => {
      if (typeof v !== 'string') return v;
      try {
        return JSON.parse(v) as unknown;
      } catch {
        return v;
      }
    }, heartbeatLinesSchema),
  ),
});

export type Stage = z.infer<typeof contextSchema>['stage'];

/** An Amazon Connect instance the deployment serves, and the stream it writes agent events to. */
export interface ConnectInstanceConfig {
  readonly instanceArn: string;
  /** Absent: the deployment's agent event stream (created, or `agentEventStreamArn`). */
  readonly agentEventStreamArn?: string;
}

export interface StageConfig {
  readonly stage: Stage;
  /** `connectInstances` and `connectInstanceArn` together, each instance once. Empty: Connect is not wired. */
  readonly connectInstances: readonly ConnectInstanceConfig[];
  readonly agentEventStreamArn?: string;
  readonly alarmEmail?: string;
  /** Empty: no CORS configuration at all. */
  readonly allowedOrigins: readonly string[];
  readonly logLevel: 'DEBUG' | 'INFO' | 'WARN' | 'ERROR';
  /** Source maps in every function (TypeScript stack traces), paid at every cold start. */
  readonly sourceMaps: boolean;
  /** Numbers of heartbeat test calls per Connect instance id (operator-bound); empty: heartbeats cannot be enabled. */
  readonly heartbeatLines: HeartbeatLines;
  /** Stateful resources and log groups: RETAIN in prod (data outlives a mistaken `cdk destroy`), DESTROY in dev. */
  readonly removalPolicy: RemovalPolicy;
  /** Log retention: a month in prod (incident look-back), a week in dev (cheap, enough to debug). */
  readonly logRetention: RetentionDays;
  /** How long undelivered Kinesis failure records stay in their queue before SQS drops them. */
  readonly failureRetention: Duration;
}

/** Raised for invalid context; the message lists every offending parameter. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

/** Validates a plain record of context values (what `node.tryGetContext` returns for each key). */
export function parseConfig(raw: Partial<Record<ContextKey, unknown>>): StageConfig {
  const result = contextSchema.safeParse(raw);
  if (!result.success) {
    const problems = result.error.issues
      .map((i) => `  - ${i.path.join('.') || '(context)'}: ${i.message} (got ${JSON.stringify(valueAt(raw, i.path))})`)
      .join('\n');
    throw new ConfigError(
      `Invalid CDK context for the agent messenger:\n${problems}\nSee lib/config.ts for the names.`,
    );
  }
  const c = result.data;
  const prod = c.stage === 'prod';
  const instances = [
    ...(c.connectInstances ?? []),
    ...(c.connectInstanceArn ? [{ instanceArn: c.connectInstanceArn }] : []),
  ];
  const seen = new Set<string>();
  for (const entry of instances) {
    if (seen.has(entry.instanceArn))
      throw new ConfigError(`Invalid CDK context: Connect instance ${entry.instanceArn} is listed twice`);
    seen.add(entry.instanceArn);
  }
  // Heartbeat lines only for instances the deployment serves: a line for any other instance could never be used and
  // is most likely a typo in the instance id.
  const instanceIds = new Set(instances.map((i) => i.instanceArn.slice(i.instanceArn.lastIndexOf('/') + 1)));
  const strayLines = Object.keys(c.heartbeatLines ?? {}).filter((id) => !instanceIds.has(id));
  if (strayLines.length > 0) {
    throw new ConfigError(
      `Invalid CDK context for the agent messenger:\n  - heartbeatLines: instance ${strayLines.join(', ')} is not one of the configured connectInstances`,
    );
  }
  return {
    stage: c.stage,
    connectInstances: instances,
    agentEventStreamArn: c.agentEventStreamArn,
    alarmEmail: c.alarmEmail,
    allowedOrigins: c.allowedOrigins ?? [],
    logLevel: c.logLevel,
    sourceMaps: c.sourceMaps,
    heartbeatLines: c.heartbeatLines ?? {},
    removalPolicy: prod ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
    logRetention: prod ? RetentionDays.ONE_MONTH : RetentionDays.ONE_WEEK,
    failureRetention: Duration.days(14),
  };
}

/** Reads and validates the stage configuration from a construct's context (usually the App's node). */
export function loadConfig(node: Node): StageConfig {
  const raw: Partial<Record<ContextKey, unknown>> = {};
  for (const key of CONTEXT_KEYS) raw[key] = node.tryGetContext(key);
  return parseConfig(raw);
}

function valueAt(raw: Partial<Record<ContextKey, unknown>>, path: readonly PropertyKey[]): unknown {
  const key = path[0];
  return typeof key === 'string' ? raw[key as ContextKey] : undefined;
}
