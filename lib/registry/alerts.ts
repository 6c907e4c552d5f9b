import type { HandlerDefinition } from './types.ts';

/** Ingest reads the tenant's switch (settings) and writes the telemetry stream; nothing else. */
const ingest = { tables: { main: 'read' }, writesStreams: ['telemetry'] } as const;
/** Raising and clearing alerts writes them and pushes to the agent, its monitors and the tenant feed. */
const pushes = { tables: { main: 'readwrite' }, manageConnections: true } as const;
const reads = { tables: { main: 'read' } } as const;

/** Telemetry into alerts: ingest (WebSocket/REST → Kinesis), the stream processor, acknowledgement, queries. */
export const alertHandlers: readonly HandlerDefinition[] = [
  {
    name: 'WsTelemetry',
    entry: 'functions/handlers/ws/telemetry.ts',
    description: 'telemetry: an agent widget forwards softphone stats, errors, CPU and memory (→ telemetry stream)',
    trigger: { kind: 'ws', route: 'telemetry' },
    access: ingest,
  },
  {
    name: 'HttpTelemetryPost',
    entry: 'functions/handlers/http/telemetry-post.ts',
    description: 'POST /telemetry: the same telemetry batch over REST (→ telemetry stream)',
    trigger: { kind: 'http', method: 'POST', path: '/telemetry', auth: 'jwt' },
    access: ingest,
  },
  {
    name: 'StreamTelemetry',
    entry: 'functions/handlers/stream/telemetry.ts',
    description: 'Telemetry batches: MOS, rules per agent during active contacts, alerts raised and pushed',
    // Up to 500 batches per invocation; no batching window, and records pushed (enhanced fan-out, ≈70 ms) rather than
    // polled once a second per shard: alerts should reach the agent within a second (README "Path and cost").
    trigger: { kind: 'kinesis', stream: 'telemetry', batchSize: 500, enhancedFanOut: true },
    access: pushes,
    timeoutSeconds: 60,
  },
  {
    name: 'HttpAlertsMine',
    entry: 'functions/handlers/http/alerts-mine.ts',
    description: "The calling agent's alerts of the current session (active and history)",
    trigger: { kind: 'http', method: 'GET', path: '/me/alerts', auth: 'jwt' },
    access: reads,
  },
  {
    name: 'HttpAlertAck',
    entry: 'functions/handlers/http/alert-ack.ts',
    description: 'An agent acknowledges one of its alerts (thumbs up): cleared, recorded Acknowledged',
    trigger: { kind: 'http', method: 'POST', path: '/me/alerts/{id}/ack', auth: 'jwt' },
    access: pushes,
  },
  {
    name: 'WsAlertAck',
    entry: 'functions/handlers/ws/alert-ack.ts',
    description: 'ackAlert: the same acknowledgement over the WebSocket',
    trigger: { kind: 'ws', route: 'ackAlert' },
    access: pushes,
  },
  {
    name: 'HttpAlertsQuery',
    entry: 'functions/handlers/http/alerts-query.ts',
    description: 'Admins query alerts by agent, team, period and state (paginated Queries)',
    trigger: { kind: 'http', method: 'GET', path: '/alerts', auth: 'jwt' },
    access: reads,
  },
];
