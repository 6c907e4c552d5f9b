import type { HandlerDefinition } from './types.ts';

/** Heartbeat results and config: table reads only. */
const reads = { tables: { main: 'read' } } as const;

/**
 * Heartbeat test calls through Amazon Connect: admins configure them, a per-tenant schedule (created at runtime) runs
 * them, the contact flow calls back, agents see them live and everyone reads the results.
 */
export const heartbeatHandlers: readonly HandlerDefinition[] = [
  {
    name: 'HttpHeartbeatConfigGet',
    entry: 'functions/handlers/http/heartbeat-config-get.ts',
    description: "The tenant's heartbeat configuration (supervisors, admins)",
    trigger: { kind: 'http', method: 'GET', path: '/heartbeat/config', auth: 'jwt' },
    access: reads,
  },
  {
    name: 'HttpHeartbeatConfigPut',
    entry: 'functions/handlers/http/heartbeat-config-put.ts',
    description: "Admins configure heartbeats; the tenant's schedule is created, updated or deleted to match",
    trigger: { kind: 'http', method: 'PUT', path: '/heartbeat/config', auth: 'jwt' },
    // Reads the tenant's bound instance and whether the operator gave it a heartbeat line; calls no Connect API.
    // Disabling ends the tests in flight and tells their agents (@connections).
    access: {
      tables: { main: 'readwrite' },
      manageConnections: true,
      schedulesTargets: ['HeartbeatRun'],
      connect: [],
      heartbeatLines: true,
    },
  },
  {
    name: 'HttpHeartbeatsList',
    entry: 'functions/handlers/http/heartbeats-list.ts',
    description: "One agent's heartbeat results in a period, paginated",
    trigger: { kind: 'http', method: 'GET', path: '/heartbeats', auth: 'jwt' },
    access: reads,
  },
  {
    name: 'HeartbeatRun',
    entry: 'functions/handlers/schedule/heartbeat-run.ts',
    description: 'Fired by a tenant heartbeat schedule: times out stale tests, starts test calls to free agents',
    trigger: { kind: 'invoke' },
    access: {
      tables: { main: 'readwrite' },
      manageConnections: true,
      connect: ['StartOutboundVoiceContact'],
      heartbeatLines: true,
    },
    timeoutSeconds: 60,
  },
  {
    name: 'ConnectHeartbeatFlow',
    entry: 'functions/handlers/connect/contact-flow.ts',
    description: 'Amazon Connect contact flow callback of heartbeat calls: route to the agent, record the outcome',
    trigger: { kind: 'connect-flow' },
    // `connect: []`: the bound instance is checked against the configured one; no Connect API is called.
    access: { tables: { main: 'readwrite' }, manageConnections: true, connect: [] },
    // Connect waits at most 8 s for a Lambda block.
    timeoutSeconds: 8,
  },
];
