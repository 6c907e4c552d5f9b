import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createDocumentClient } from '../../functions/adapters/dynamo.ts';
import { functionEnvVar, HANDLERS, type HandlerDefinition, type StreamKey } from '../registry/index.ts';
import { TABLES } from '../tables.ts';
import { startConnectEmulator } from './connect-emulator.ts';
import { startDynamo } from './dynamodb.ts';
import { type HttpRoute, startHttpGateway } from './http-gateway.ts';
import { createLocalIssuer, type LocalIssuer, type TokenRequest } from './issuer.ts';
import { startKinesis, startKinesisPoller } from './kinesis.ts';
import { type LambdaHandler, loadHandler } from './lambda.ts';
import { startLambdaApi } from './lambda-api.ts';
import { startSchedulerEmulator } from './scheduler-emulator.ts';
import { startTtlSweeper } from './ttl-sweeper.ts';
import { startWsGateway, type WsRoute } from './ws-gateway.ts';

export const ROOT_DIR = fileURLToPath(new URL('../..', import.meta.url));

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
export type RuntimeLog = (level: 'info' | 'warn' | 'error', message: string, data?: Record<string, unknown>) => void;

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
  const port = (name: string, fallback: number) => {
    const value = env[name];
    if (value === undefined || value === '') return fallback;
    const n = Number(value);
    if (!Number.isInteger(n) || n < 0 || n > 65535)
      throw new Error(`${name} must be a port number (0 = random), not "${value}"`);
    return n;
  };
  const dataDir =
    env.DATA_DIR === undefined ? join(ROOT_DIR, '.local-data') : env.DATA_DIR === ':memory:' ? undefined : env.DATA_DIR;
  const level = (env.LOG_LEVEL ?? 'warn').toLowerCase();
  if (!['debug', 'info', 'warn', 'error'].includes(level))
    throw new Error(`LOG_LEVEL must be debug, info, warn or error`);
  return {
    host: env.HOST ?? '127.0.0.1',
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
    log,
  };
}

export interface LocalRuntime {
  readonly urls: {
    readonly http: string;
    readonly ws: string;
    readonly wsManagement: string;
    readonly dynamodb: string;
    readonly lambda: string;
    readonly scheduler: string;
    readonly connect: string;
    readonly kinesis: string;
    readonly jwks: string;
  };
  readonly issuer: LocalIssuer;
  readonly dataDir: string | undefined;
  token(request: TokenRequest): Promise<string>;
  stop(): Promise<void>;
}

export const LOCAL_STAGE = 'local';
export const LOCAL_REGION = 'us-east-1';
export const LOCAL_ACCOUNT = '000000000000';
export const LOCAL_CONNECT_INSTANCE_ID = '00000000-0000-4000-8000-000000000000';
export const SCHEDULE_GROUP = 'agent-messenger';
/** Local names of the Kinesis streams (the CDK stack creates them, or imports Connect's). */
export const STREAM_NAMES: Record<StreamKey, string> = { agentEvents: 'agent-events', telemetry: 'telemetry' };

const functionArn = (name: string) => `arn:aws:lambda:${LOCAL_REGION}:${LOCAL_ACCOUNT}:function:${name}`;
/** Where the issuer keeps its key pair, so that `npm run token` signs with the running runtime's key. */
export const issuerKeyFile = (dataDir: string | undefined) => (dataDir ? join(dataDir, 'issuer-key.json') : undefined);
export const issuerUrl = (host: string, port: number) => `http://${host}:${port}/local-issuer`;

/**
 * The environment every function gets locally: the same variables the CDK stack sets (see lib/registry/types.ts),
 * with AWS endpoints pointed at the local emulators through the SDK's standard `AWS_ENDPOINT_URL_<SERVICE>`.
 */
function functionEnvironment(
  handlers: readonly HandlerDefinition[],
  urls: LocalRuntime['urls'],
  issuer: LocalIssuer,
  level: LogLevel,
): Record<string, string> {
  const env: Record<string, string> = {
    AWS_REGION: LOCAL_REGION,
    AWS_ACCESS_KEY_ID: 'local',
    AWS_SECRET_ACCESS_KEY: 'local',
    AWS_ENDPOINT_URL_DYNAMODB: urls.dynamodb,
    AWS_ENDPOINT_URL_LAMBDA: urls.lambda,
    AWS_ENDPOINT_URL_SCHEDULER: urls.scheduler,
    AWS_ENDPOINT_URL_CONNECT: urls.connect,
    AWS_ENDPOINT_URL_KINESIS: urls.kinesis,
    STREAM_AGENT_EVENTS: STREAM_NAMES.agentEvents,
    STREAM_TELEMETRY: STREAM_NAMES.telemetry,
    POWERTOOLS_LOG_LEVEL: level.toUpperCase(),
    POWERTOOLS_SERVICE_NAME: 'agent-messenger-local',
    WS_ENDPOINT: urls.wsManagement,
    JWT_ISSUER: issuer.issuer,
    JWT_AUDIENCE: issuer.audience,
    JWKS_URI: issuer.jwksUri,
    SCHEDULE_GROUP,
    SCHEDULER_ROLE_ARN: `arn:aws:iam::${LOCAL_ACCOUNT}:role/local-scheduler`,
    CONNECT_INSTANCE_ID: LOCAL_CONNECT_INSTANCE_ID,
    CONNECT_INSTANCE_ARN: `arn:aws:connect:${LOCAL_REGION}:${LOCAL_ACCOUNT}:instance/${LOCAL_CONNECT_INSTANCE_ID}`,
  };
  for (const def of Object.values(TABLES)) env[def.envVar] = def.id;
  for (const h of handlers) {
    env[functionEnvVar(h.name)] = h.name;
    env[`${functionEnvVar(h.name)}_ARN`] = functionArn(h.name);
  }
  return env;
}

/**
 * Starts the whole backend on this machine: dynalite, the local issuer, the HTTP and WebSocket API emulators, the
 * Lambda Invoke API, the Scheduler and Connect emulators — and loads every function of the registry, the very modules
 * CDK deploys. Nothing in `functions/` knows it runs locally.
 */
export async function startLocalRuntime(options: RuntimeOptions): Promise<LocalRuntime> {
  const { host, log } = options;
  const stops: Array<() => Promise<void> | void> = [];
  const stopAll = async () => {
    for (const stop of stops.reverse()) await stop();
  };
  try {
    if (options.dataDir) await mkdir(options.dataDir, { recursive: true });
    const dynamo = await startDynamo({
      port: options.dynamodbPort,
      host,
      separateProcess: true,
      ...(options.dataDir ? { dataDir: join(options.dataDir, 'dynamodb') } : {}),
    });
    stops.push(() => dynamo.close());

    // Gateways listen before the functions load: their URLs go into the functions' environment.
    let issuer: LocalIssuer | undefined;
    const httpRoutes: HttpRoute[] = [];
    const http = await startHttpGateway({
      port: options.port,
      host,
      routes: httpRoutes,
      jwt: () => {
        if (!issuer) throw new Error('issuer not ready');
        return { issuer: issuer.issuer, audience: issuer.audience, jwksUri: issuer.jwksUri };
      },
      extra: (req, res) => {
        if (req.method === 'GET' && req.url === '/local-issuer/.well-known/jwks.json' && issuer) {
          res.writeHead(200, { 'content-type': 'application/json' });
          res.end(JSON.stringify(issuer.jwks()));
          return true;
        }
        return false;
      },
      log,
    });
    stops.push(() => http.close());
    issuer = await createLocalIssuer(issuerUrl(host, http.port), issuerKeyFile(options.dataDir));

    const wsRoutes = new Map<string, WsRoute>();
    let authorize: LambdaHandler | undefined;
    const ws = await startWsGateway({
      port: options.wsPort,
      host,
      stage: LOCAL_STAGE,
      authorizer: {
        name: 'WsAuthorizer',
        handler: (event, context) => {
          if (!authorize) throw new Error('authorizer not loaded');
          return authorize(event, context);
        },
      },
      routes: wsRoutes,
      log,
    });
    stops.push(() => ws.close());

    const functions = new Map<string, LambdaHandler>();
    const lambda = await startLambdaApi({ port: options.lambdaPort, host, functions, log });
    stops.push(() => lambda.close());

    const scheduler = await startSchedulerEmulator({
      port: options.schedulerPort,
      host,
      resolveTarget: (arn) => {
        const name = arn.split(':').at(-1) ?? '';
        const handler = functions.get(name);
        return handler ? { name, handler } : undefined;
      },
      log,
    });
    stops.push(() => scheduler.close());

    const connect = await startConnectEmulator({
      port: options.connectPort,
      host,
      instanceIds: [LOCAL_CONNECT_INSTANCE_ID],
      log,
    });
    stops.push(() => connect.close());

    const kinesis = await startKinesis({
      port: options.kinesisPort,
      host,
      ...(options.dataDir ? { dataDir: join(options.dataDir, 'kinesis') } : {}),
      streams: Object.values(STREAM_NAMES).map((name) => ({ name, shards: 2 })),
      log,
    });
    stops.push(() => kinesis.close());

    const urls: LocalRuntime['urls'] = {
      http: http.url,
      ws: ws.url,
      wsManagement: ws.managementEndpoint,
      dynamodb: dynamo.endpoint,
      lambda: lambda.endpoint,
      scheduler: scheduler.endpoint,
      connect: connect.endpoint,
      kinesis: kinesis.endpoint,
      jwks: issuer.jwksUri,
    };
    Object.assign(process.env, functionEnvironment(HANDLERS, urls, issuer, options.functionLogLevel));

    for (const def of HANDLERS) {
      const t = def.trigger;
      const handler = await loadHandler(ROOT_DIR, def.entry);
      functions.set(def.name, handler);
      switch (t.kind) {
        case 'ws-authorizer':
          authorize = handler;
          break;
        case 'ws':
          wsRoutes.set(t.route, { name: def.name, handler });
          break;
        case 'http':
          httpRoutes.push({ method: t.method, path: t.path, auth: t.auth, name: def.name, handler });
          break;
        case 'schedule':
          scheduler.define({
            name: def.name,
            expression: t.expression,
            targetArn: functionArn(def.name),
            input: JSON.stringify(t.input ?? {}),
          });
          break;
        case 'kinesis': {
          const poller = await startKinesisPoller({
            endpoint: kinesis.endpoint,
            streamName: STREAM_NAMES[t.stream],
            region: LOCAL_REGION,
            consumer: { name: def.name, handler },
            batchSize: t.batchSize,
            // Read what is retained: producers may write before the poller has its iterators, and with a persisted
            // data directory the consumer's conditional writes make a replay harmless.
            startingPosition: 'TRIM_HORIZON',
            log,
            onDiscard: (record, reason) =>
              log('error', 'Record set aside after retries (on-failure destination)', {
                function: def.name,
                sequenceNumber: record.kinesis.sequenceNumber,
                reason,
              }),
          });
          stops.push(() => poller.close());
          break;
        }
        case 'invoke':
          break;
      }
    }

    const sweeperClient = createDocumentClient({
      endpoint: dynamo.endpoint,
      region: LOCAL_REGION,
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    });
    const stopSweeper = startTtlSweeper(
      sweeperClient,
      Object.values(TABLES).map((def) => ({ name: def.id, def })),
      options.sweepIntervalMs,
      log,
    );
    stops.push(() => {
      stopSweeper();
      sweeperClient.destroy();
    });

    const readyIssuer = issuer;
    return {
      urls,
      issuer: readyIssuer,
      dataDir: options.dataDir,
      token: (request) => readyIssuer.sign(request),
      stop: stopAll,
    };
  } catch (error) {
    await stopAll();
    throw error;
  }
}
