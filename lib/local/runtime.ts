import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { createDocumentClient } from '../../functions/adapters/dynamo.ts';
import { accessEnvironment } from '../registry/environment.ts';
import { HANDLERS, type HandlerDefinition } from '../registry/index.ts';
import { TABLES } from '../tables.ts';
import { startCallSimulator } from './call-simulation.ts';
import { startConnectEmulator } from './connect-emulator.ts';
import { startDynamo } from './dynamodb.ts';
import { startFunctionHost } from './function-host.ts';
import { type HttpRoute, startHttpGateway } from './http-gateway.ts';
import { createLocalIssuer, type LocalIssuer, type TokenRequest } from './issuer.ts';
import { startKinesis } from './kinesis.ts';
import { startKinesisPoller } from './kinesis-poller.ts';
import type { LambdaHandler } from './lambda.ts';
import { startLambdaApi } from './lambda-api.ts';
import { LOCAL_ACCOUNT } from './local-aws.ts';
import {
  instanceIdOf,
  issuerKeyFile,
  issuerUrl,
  LOCAL_REGION,
  LOCAL_STAGE,
  type LogLevel,
  localHeartbeatLines,
  ROOT_DIR,
  type RuntimeOptions,
  SCHEDULE_GROUP,
  STREAM_NAMES,
} from './runtime-options.ts';
import { startSchedulerEmulator } from './scheduler-emulator.ts';
import { streamSignals } from './stream-signals.ts';
import { startTtlSweeper } from './ttl-sweeper.ts';
import { startWsGateway, type WsRoute } from './ws-gateway.ts';

// What other modules import from the runtime (bin/, bench/, test/): its options and local names live next door.
export {
  issuerKeyFile,
  issuerUrl,
  LOCAL_CONNECT_INSTANCE_ARN,
  LOCAL_CONNECT_INSTANCE_ID,
  LOCAL_REGION,
  LOCAL_STAGE,
  type LogLevel,
  localHeartbeatLines,
  localInstanceArn,
  optionsFromEnv,
  RANDOM_PORTS,
  ROOT_DIR,
  type RuntimeLog,
  type RuntimeOptions,
  SCHEDULE_GROUP,
  STREAM_NAMES,
} from './runtime-options.ts';

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

/**
 * Enhanced fan-out consumers locally: AWS pushes records to such a consumer within ≈70 ms; the local poller reads a
 * shard when a put lands on the stream (stream-signals.ts), at most every 50 ms (a standard consumer keeps the
 * poller's default).
 */
const ENHANCED_FAN_OUT_POLL_MS = 50;
/** How often a shutdown step that has not finished says so. */
const SLOW_STOP_MS = 5_000;

const functionArn = (name: string) => `arn:aws:lambda:${LOCAL_REGION}:${LOCAL_ACCOUNT}:function:${name}`;

/**
 * The environment a function gets locally: what the Lambda service sets, AWS endpoints pointed at the local
 * emulators through the SDK's standard `AWS_ENDPOINT_URL_<SERVICE>`, and the variables of its registry access,
 * computed by the very function the CDK stack uses (lib/registry/environment.ts) — its own, not every function's.
 */
export function functionEnvironment(
  def: HandlerDefinition,
  urls: LocalRuntime['urls'],
  issuer: LocalIssuer,
  level: LogLevel,
  connectInstanceArns: readonly string[],
): Record<string, string> {
  const host = process.env;
  return {
    // Lambda's own variables (and what Node needs to find its way around this machine).
    ...(host.PATH ? { PATH: host.PATH } : {}),
    ...(host.HOME ? { HOME: host.HOME } : {}),
    ...(host.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED
      ? { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: host.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED }
      : {}),
    AWS_REGION: LOCAL_REGION,
    AWS_DEFAULT_REGION: LOCAL_REGION,
    AWS_ACCESS_KEY_ID: 'local',
    AWS_SECRET_ACCESS_KEY: 'local',
    AWS_LAMBDA_FUNCTION_NAME: def.name,
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(def.memorySize ?? 256),
    AWS_ENDPOINT_URL_DYNAMODB: urls.dynamodb,
    AWS_ENDPOINT_URL_LAMBDA: urls.lambda,
    AWS_ENDPOINT_URL_SCHEDULER: urls.scheduler,
    AWS_ENDPOINT_URL_CONNECT: urls.connect,
    AWS_ENDPOINT_URL_KINESIS: urls.kinesis,
    // What AppFunction sets for every function.
    POWERTOOLS_LOG_LEVEL: level.toUpperCase(),
    POWERTOOLS_SERVICE_NAME: 'agent-messenger-local',
    ...accessEnvironment(def, {
      tableName: (key) => TABLES[key].id,
      streamName: (key) => STREAM_NAMES[key],
      functionName: (name) => name,
      functionArn,
      wsEndpoint: urls.wsManagement,
      tokens: { issuer: issuer.issuer, audience: issuer.audience, jwksUri: issuer.jwksUri },
      scheduling: () => ({ group: SCHEDULE_GROUP, roleArn: `arn:aws:iam::${LOCAL_ACCOUNT}:role/local-scheduler` }),
      connectInstanceArns,
      heartbeatLines: localHeartbeatLines(connectInstanceArns),
    }),
  };
}

/**
 * Starts the whole backend on this machine: dynalite, the local issuer, the HTTP and WebSocket API emulators, the
 * Lambda Invoke API, the Scheduler and Connect emulators — and loads every function of the registry, the very modules
 * CDK deploys. Nothing in `functions/` knows it runs locally.
 */
export async function startLocalRuntime(options: RuntimeOptions): Promise<LocalRuntime> {
  const { host, log } = options;
  const stops: Array<{ readonly name: string; readonly stop: () => Promise<void> | void }> = [];
  const stop = (name: string, fn: () => Promise<void> | void) => stops.push({ name, stop: fn });
  const stopAll = async () => {
    for (const step of stops.reverse()) {
      // A step that waits long waits for an invocation or a socket: name it, so that a stuck shutdown says where.
      const started = Date.now();
      const slow = setInterval(
        () => log('error', 'Still stopping', { step: step.name, waitedMs: Date.now() - started }),
        SLOW_STOP_MS,
      );
      try {
        await step.stop();
      } finally {
        clearInterval(slow);
      }
    }
  };
  try {
    if (options.dataDir) await mkdir(options.dataDir, { recursive: true });
    // Started first: it boots while dynalite starts.
    const functionHost = startFunctionHost((error) => {
      log('error', 'An exception no function caught ended the function host', { error: String(error) });
      // As it would have ended the runtime's process had the function run in it.
      setImmediate(() => {
        throw error;
      });
    }, options.functionThreads);
    const dynamo = await startDynamo({
      port: options.dynamodbPort,
      host,
      separateProcess: true,
      ...(options.dataDir ? { dataDir: join(options.dataDir, 'dynamodb') } : {}),
    }).catch(async (error: unknown) => {
      await functionHost.close();
      throw error;
    });
    stop('DynamoDB', () => dynamo.close());
    // Stopped after every emulator that invokes functions, before the database. What still runs then (an async
    // invocation nobody waits for) ends with its environment, as a crash would end it (the Lambda API keeps its job
    // for the next start); left running, it would keep its connections to the database busy and hold its close.
    stop('function host', () => functionHost.close());

    // Gateways listen before the functions load: their URLs go into the functions' environment. Until every function
    // is loaded they answer 503 with Retry-After, never a half-filled route table.
    let ready = false;
    let issuer: LocalIssuer | undefined;
    const httpRoutes: HttpRoute[] = [];
    const http = await startHttpGateway({
      port: options.port,
      host,
      routes: () => (ready ? httpRoutes : undefined),
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
    stop('HTTP API', () => http.close());
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
      ready: () => ready,
      log,
    });
    stop('WebSocket API', () => ws.close());

    const functions = new Map<string, LambdaHandler>();
    const lambda = await startLambdaApi({
      port: options.lambdaPort,
      host,
      functions,
      log,
      ...(options.dataDir ? { queueDir: join(options.dataDir, 'lambda-async') } : {}),
    });
    stop('Lambda Invoke API', () => lambda.close());

    const scheduler = await startSchedulerEmulator({
      port: options.schedulerPort,
      host,
      // Tenants' runtime-created schedules (heartbeats) survive a restart with the data directory, as in AWS.
      ...(options.dataDir ? { stateFile: join(options.dataDir, 'schedules.json') } : {}),
      resolveTarget: (arn) => {
        const name = arn.split(':').at(-1) ?? '';
        const handler = functions.get(name);
        const timeoutSeconds = HANDLERS.find((h) => h.name === name)?.timeoutSeconds ?? 10;
        return handler ? { name, handler, timeoutMs: timeoutSeconds * 1000 } : undefined;
      },
      log,
    });
    stop('Scheduler', () => scheduler.close());

    const kinesis = await startKinesis({
      port: options.kinesisPort,
      host,
      ...(options.dataDir ? { dataDir: join(options.dataDir, 'kinesis') } : {}),
      streams: Object.values(STREAM_NAMES).map((name) => ({ name, shards: 2 })),
      log,
    });
    stop('Kinesis', () => kinesis.close());

    const simulator = startCallSimulator(STREAM_NAMES.agentEvents, kinesis.endpoint, dynamo.endpoint, log);
    stop('call simulator', () => simulator.close());
    const connect = await startConnectEmulator({
      port: options.connectPort,
      host,
      instanceIds: options.connectInstanceArns.map(instanceIdOf),
      operations: [simulator.calls.operation()],
      simulator: { control: (body) => simulator.calls.control(body), calls: () => simulator.calls.calls() },
      log,
    });
    stop('Connect', () => connect.close());

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
    for (const def of HANDLERS) {
      const t = def.trigger;
      const env = functionEnvironment(def, urls, issuer, options.functionLogLevel, options.connectInstanceArns);
      // A stream's consumer is invoked one batch at a time per shard: one warm environment, as Lambda's poller keeps.
      const handler = await functionHost.load(ROOT_DIR, def, env, t.kind === 'kinesis' ? 1 : undefined);
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
            ...(t.enhancedFanOut
              ? {
                  pollIntervalMs: ENHANCED_FAN_OUT_POLL_MS,
                  wakeOn: (wake: () => void) => streamSignals(kinesis.endpoint).subscribe(STREAM_NAMES[t.stream], wake),
                }
              : {}),
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
          stop(`${def.name} poller`, () => poller.close());
          break;
        }
        case 'invoke':
          break;
        case 'connect-flow':
          simulator.calls.setContactFlowLambda({ name: def.name, handler });
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
    stop('TTL sweeper', () => {
      stopSweeper();
      sweeperClient.destroy();
    });

    ready = true;
    // Async events accepted before a crash or restart run now (a fan-out resumes from its checkpoints).
    const resumed = await lambda.resume();
    if (resumed > 0) log('warn', 'Resumed queued async invocations', { count: resumed });
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
