/**
 * `npm start`: the whole backend on this machine. Every port and the data directory come from the environment:
 * PORT (3000), WS_PORT (3001), LAMBDA_PORT (3002), SCHEDULER_PORT (3003), CONNECT_PORT (3004), DYNAMODB_PORT (8000),
 * KINESIS_PORT (4567),
 * DATA_DIR (.local-data; `:memory:` keeps nothing), LOG_LEVEL (warn), SEED (demo | none).
 */
import { optionsFromEnv, type RuntimeLog, STREAM_NAMES, startLocalRuntime } from '../lib/local/runtime.ts';
import { DEMO_TENANT, seedDemo } from '../lib/local/seed.ts';

const levels = { info: 1, warn: 2, error: 3 } as const;
const threshold = levels[(process.env.LOG_LEVEL ?? 'warn').toLowerCase() as keyof typeof levels] ?? 1;
const log: RuntimeLog = (level, message, data) => {
  if (levels[level] < threshold) return;
  process.stderr.write(
    `${new Date().toISOString()} ${level.toUpperCase()} ${message}${data ? ` ${JSON.stringify(data)}` : ''}\n`,
  );
};

// This machine may run Node 20 while the Lambda runtime is Node 24; the SDK's notice about that is noise locally.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
const options = optionsFromEnv(process.env, log);
const runtime = await startLocalRuntime(options);
const seed = process.env.SEED ?? 'demo';
const seeded = seed === 'demo' ? await seedDemo(runtime) : undefined;

const lines = [
  'Agent Messenger backend — local runtime',
  `  REST API          ${runtime.urls.http}        (GET /health, GET /me, ...)`,
  `  WebSocket API     ${runtime.urls.ws}/?token=<jwt>`,
  `  @connections API  ${runtime.urls.wsManagement}/@connections/{id}`,
  `  JWKS (issuer)     ${runtime.urls.jwks}`,
  `  DynamoDB          ${runtime.urls.dynamodb}  (dynalite; data: ${runtime.dataDir ?? 'in memory'})`,
  `  Lambda Invoke     ${runtime.urls.lambda}`,
  `  Scheduler         ${runtime.urls.scheduler}`,
  `  Connect           ${runtime.urls.connect}`,
  `  Kinesis           ${runtime.urls.kinesis}  (streams "${STREAM_NAMES.agentEvents}": Connect agent events, "${STREAM_NAMES.telemetry}": agent telemetry, "${STREAM_NAMES.statusFeed}": the status feed)`,
  '',
  seeded ? `  Demo tenant "${DEMO_TENANT}": ${seeded.summary}` : '  No demo data (SEED=none).',
  `  Token:  npm run token -- --tenant ${DEMO_TENANT} --user alice --role agent`,
  '  Stop with Ctrl+C.',
];
process.stdout.write(`${lines.join('\n')}\n`);

let stopping = false;
const shutdown = (signal: string) => {
  if (stopping) {
    // A second Ctrl+C: the user does not want to wait for what the first is still stopping.
    process.stderr.write(`Received ${signal} again; exiting without waiting\n`);
    process.exit(1);
  }
  stopping = true;
  log('info', `Received ${signal}; shutting down`);
  runtime
    .stop()
    .then(() => process.exit(0))
    .catch((error: unknown) => {
      process.stderr.write(`Shutdown failed: ${String(error)}\n`);
      process.exit(1);
    });
};
process.on('SIGINT', () => shutdown('SIGINT'));
process.on('SIGTERM', () => shutdown('SIGTERM'));
