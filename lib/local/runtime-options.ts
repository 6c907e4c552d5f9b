import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { StreamKey } from '../registry/index.ts';
import { isLoopbackHost } from './emulator-guard.ts';
import { LOCAL_ACCOUNT, type LocalLog } from './local-aws.ts';

/**
 * The local runtime's options (`npm start`'s environment: ports, data directory, log level, Connect instances) and
 * the local names it gives to what the CDK stack deploys (stage, region, streams, schedule group, issuer).
 */
export const ROOT_DIR = fileURLToPath(new URL('../..', import.meta.url));

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
export type RuntimeLog = LocalLog;

export interface RuntimeOptions {
  readonly host: string;
  /** REST API (HTTP API emulator) and the local issuer. 0 = random. */
  readonly port: number;
  /** WebSocket API and its @connections management API. */
  readonly wsPort: number;
  readonly dynamodbPort: number;
  /** The Lambda Invoke API (async invocations between functions). */
  readonly lambdaPort: number;
  readonly schedulerPort: number;
  readonly connectPort: number;
  /** kinesalite, hosting the Amazon Connect agent event stream. */
  readonly kinesisPort: number;
  /** Where dynalite and the issuer key live; undefined = everything in memory. */
  readonly dataDir: string | undefined;
  /** Lambda log level (Powertools). */
  readonly functionLogLevel: LogLevel;
  /** How often the TTL sweeper deletes expired items. */
  readonly sweepIntervalMs: number;
  /**
   * How many execution environments (worker threads) every function may run in (lib/local/function-host.ts).
   * `FUNCTION_THREADS`, default 2: the functions then use what the emulators' thread leaves of this machine's cores.
   */
  readonly functionThreads: number;
  /**
   * The Amazon Connect instances this runtime serves (the operator configuration `connectInstances` of a deployment);
   * the Connect emulator answers for exactly these. An operator binds tenants to them (`PUT /operator/...`).
   */
  readonly connectInstanceArns: readonly string[];
  readonly log: RuntimeLog;
}

/** Every port of the runtime on a free one (tests and benches run several runtimes side by side). */
export const RANDOM_PORTS = {
  PORT: '0',
  WS_PORT: '0',
  LAMBDA_PORT: '0',
  SCHEDULER_PORT: '0',
  CONNECT_PORT: '0',
  KINESIS_PORT: '0',
  DYNAMODB_PORT: '0',
} as const;

/** Defaults for `npm start`; every port and the data directory is overridable from the environment. */
export function optionsFromEnv(env: NodeJS.ProcessEnv, log: RuntimeLog): RuntimeOptions {
  // A whole number from the environment within [min, max]; `what` names it in the error.
  const integer = (name: string, fallback: number, min: number, max: number, what: string) => {
    const value = env[name];
    if (value === undefined || value === '') return fallback;
    const n = Number(value);
    if (!Number.isInteger(n) || n < min || n > max) throw new Error(`${name} must be ${what}, not "${value}"`);
    return n;
  };
  const port = (name: string, fallback: number) => integer(name, fallback, 0, 65535, 'a port number (0 = random)');
  const dataDir =
    env.DATA_DIR === undefined ? join(ROOT_DIR, '.local-data') : env.DATA_DIR === ':memory:' ? undefined : env.DATA_DIR;
  const level = (env.LOG_LEVEL ?? 'warn').toLowerCase();
  if (!['debug', 'info', 'warn', 'error'].includes(level))
    throw new Error(`LOG_LEVEL must be debug, info, warn or error`);
  const host = env.HOST ?? '127.0.0.1';
  // The emulators trust whoever reaches them (see emulator-guard.ts): the runtime never listens beyond this machine.
  if (!isLoopbackHost(host))
    throw new Error(`HOST must be a loopback address (127.0.0.1, ::1, localhost), not "${host}"`);
  return {
    host,
    port: port('PORT', 3000),
    wsPort: port('WS_PORT', 3001),
    lambdaPort: port('LAMBDA_PORT', 3002),
    schedulerPort: port('SCHEDULER_PORT', 3003),
    connectPort: port('CONNECT_PORT', 3004),
    dynamodbPort: port('DYNAMODB_PORT', 8000),
    kinesisPort: port('KINESIS_PORT', 4567),
    dataDir,
    functionLogLevel: level as LogLevel,
    sweepIntervalMs: Number(env.TTL_SWEEP_MS ?? 60_000),
    functionThreads: integer('FUNCTION_THREADS', 2, 1, 16, 'a whole number from 1 to 16'),
    connectInstanceArns: connectInstancesFrom(env.CONNECT_INSTANCES),
    log,
  };
}

/**
 * `CONNECT_INSTANCES`: comma-separated instance ids (uuids) of the emulated Connect, or `none`; default one instance,
 * `00000000-0000-4000-8000-000000000000`.
 */
function connectInstancesFrom(value: string | undefined): string[] {
  if (value === undefined || value.trim() === '') return [LOCAL_CONNECT_INSTANCE_ARN];
  if (value.trim() === 'none') return [];
  return value.split(',').map((raw) => {
    const id = raw.trim();
    if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/.test(id))
      throw new Error(`CONNECT_INSTANCES lists Connect instance ids (uuids), not "${id}"`);
    return localInstanceArn(id);
  });
}

export const LOCAL_STAGE = 'local';
export const LOCAL_REGION = 'us-east-1';
export const LOCAL_CONNECT_INSTANCE_ID = '00000000-0000-4000-8000-000000000000';
export const localInstanceArn = (id: string) => `arn:aws:connect:${LOCAL_REGION}:${LOCAL_ACCOUNT}:instance/${id}`;
export const LOCAL_CONNECT_INSTANCE_ARN = localInstanceArn(LOCAL_CONNECT_INSTANCE_ID);
export const instanceIdOf = (arn: string) => arn.slice(arn.lastIndexOf('/') + 1);
/**
 * The local heartbeat line of every emulated instance (what the operator's `heartbeatLines` context is in the cloud):
 * the call simulator answers any number, so all instances share one pair.
 */
export const localHeartbeatLines = (instanceArns: readonly string[]) =>
  Object.fromEntries(
    instanceArns.map((arn) => [
      instanceIdOf(arn),
      { destinationPhoneNumber: '+15550100100', sourcePhoneNumber: '+15550100101' },
    ]),
  );
export const SCHEDULE_GROUP = 'agent-messenger';
/** Local names of the Kinesis streams (the CDK stack creates them, or imports Connect's). */
export const STREAM_NAMES: Record<StreamKey, string> = {
  agentEvents: 'agent-events',
  telemetry: 'telemetry',
  statusFeed: 'status-feed',
};
/** Where the issuer keeps its key pair, so that `npm run token` signs with the running runtime's key. */
export const issuerKeyFile = (dataDir: string | undefined) => (dataDir ? join(dataDir, 'issuer-key.json') : undefined);
export const issuerUrl = (host: string, port: number) => `http://${host}:${port}/local-issuer`;
