import type { HandlerDefinition } from './types.ts';

const rw = { tables: { main: 'readwrite' } } as const;
/** Functions that push to connections (subscribe replies, approval requests to supervisors). */
const pushes = { tables: { main: 'readwrite' }, manageConnections: true } as const;
/**
 * …and may queue PutUserStatus for the tenant's instance: they read the configured instances (`connect: []` grants no
 * Connect action — the call itself is the sync worker's) and start the worker at once with an async invoke.
 */
const changes = {
  ...pushes,
  connect: [],
  invokes: ['ScheduleStatusConnectSync'],
  // Every change is published to the status feed stream (its pushes leave from the feed consumer).
  writesStreams: ['statusFeed'],
} as const;
/**
 * Reads push nothing, nor do subscribing and monitoring (their reply carries the state): no @connections endpoint, and
 * for the read-only routes no write grant.
 */
const reads = { tables: { main: 'read' } } as const;

/** Agent status and supervision: statuses, approvals, live feed, silent monitor, Connect agent events and sync. */
export const statusHandlers: readonly HandlerDefinition[] = [
  {
    name: 'HttpStatusMeGet',
    entry: 'functions/handlers/http/status-me-get.ts',
    description: "The calling agent's own status",
    trigger: { kind: 'http', method: 'GET', path: '/me/status', auth: 'jwt' },
    access: rw,
  },
  {
    name: 'HttpStatusMeSet',
    entry: 'functions/handlers/http/status-me-set.ts',
    description: 'An agent sets its own status (202 + request when the reason needs approval)',
    trigger: { kind: 'http', method: 'PUT', path: '/me/status', auth: 'jwt' },
    access: changes,
  },
  {
    name: 'HttpStatusAgentsList',
    entry: 'functions/handlers/http/status-agents-list.ts',
    description: 'Supervisors list agents by status(es), team or queue, paginated',
    trigger: { kind: 'http', method: 'GET', path: '/status/agents', auth: 'jwt' },
    access: reads,
  },
  {
    name: 'HttpStatusAgentSet',
    entry: 'functions/handlers/http/status-agent-set.ts',
    description: "A supervisor changes an agent's status (409 when the agent is Offline)",
    trigger: { kind: 'http', method: 'PUT', path: '/agents/{id}/status', auth: 'jwt' },
    access: changes,
  },
  {
    name: 'HttpApprovalList',
    entry: 'functions/handlers/http/approval-list.ts',
    description: 'Pending status approval requests of the tenant',
    trigger: { kind: 'http', method: 'GET', path: '/status/requests', auth: 'jwt' },
    access: reads,
  },
  {
    name: 'HttpApprovalDecide',
    entry: 'functions/handlers/http/approval-decide.ts',
    description: 'A supervisor accepts or rejects a status request (first decision wins, others 409)',
    trigger: { kind: 'http', method: 'POST', path: '/status/requests/{id}/decision', auth: 'jwt' },
    access: changes,
  },
  {
    name: 'HttpStatusReasonsList',
    entry: 'functions/handlers/http/status-reasons-list.ts',
    description: 'Default statuses and the tenant inactivity reasons',
    trigger: { kind: 'http', method: 'GET', path: '/status/reasons', auth: 'jwt' },
    access: { tables: { main: 'read' } },
  },
  {
    name: 'HttpStatusReasonsCreate',
    entry: 'functions/handlers/http/status-reasons-create.ts',
    description: 'Admins add an inactivity reason (at most 50 active)',
    trigger: { kind: 'http', method: 'POST', path: '/status/reasons', auth: 'jwt' },
    access: rw,
  },
  {
    name: 'HttpStatusReasonsUpdate',
    entry: 'functions/handlers/http/status-reasons-update.ts',
    description: 'Admins rename, retire or restore a reason, or set its approval flag / Connect status',
    trigger: { kind: 'http', method: 'PATCH', path: '/status/reasons/{id}', auth: 'jwt' },
    access: rw,
  },
  {
    name: 'HttpStatusLog',
    entry: 'functions/handlers/http/status-log.ts',
    description: "An agent's status changes and sessions in a time range",
    trigger: { kind: 'http', method: 'GET', path: '/agents/{id}/status-log', auth: 'jwt' },
    access: { tables: { main: 'read' } },
  },
  {
    name: 'HttpStatusWorkload',
    entry: 'functions/handlers/http/status-workload.ts',
    description: 'Time per status per day (tenant time zone) for one agent',
    trigger: { kind: 'http', method: 'GET', path: '/agents/{id}/workload', auth: 'jwt' },
    access: { tables: { main: 'read' } },
  },
  {
    name: 'HttpConnectStatusMap',
    entry: 'functions/handlers/http/connect-status-map.ts',
    description: "Admins map their tenant's statuses to the Connect agent statuses of the tenant's instance",
    trigger: { kind: 'http', method: 'PUT', path: '/connect/status-map', auth: 'jwt' },
    access: rw,
  },
  {
    name: 'HttpOperatorConnectBind',
    entry: 'functions/handlers/http/operator-connect-bind.ts',
    description: "Operators bind one of the deployment's Connect instances to a tenant (claim new, release old)",
    trigger: { kind: 'http', method: 'PUT', path: '/operator/tenants/{tenant}/connect-instance', auth: 'jwt' },
    // Reads the configured instances; calls no Connect API.
    access: { ...rw, connect: [] },
  },
  {
    name: 'HttpOperatorConnectUnbind',
    entry: 'functions/handlers/http/operator-connect-unbind.ts',
    description: "Operators release a tenant's Connect instance",
    trigger: { kind: 'http', method: 'DELETE', path: '/operator/tenants/{tenant}/connect-instance', auth: 'jwt' },
    access: { ...rw, connect: [] },
  },
  {
    name: 'WsStatusSet',
    entry: 'functions/handlers/ws/status-set.ts',
    description: 'setStatus: an agent sets its own status',
    trigger: { kind: 'ws', route: 'setStatus' },
    access: changes,
  },
  {
    name: 'WsStatusSubscribe',
    entry: 'functions/handlers/ws/status-subscribe.ts',
    description: "subscribeStatus: a supervisor's connection joins the tenant status feed",
    trigger: { kind: 'ws', route: 'subscribeStatus' },
    access: rw,
  },
  {
    name: 'WsStatusUnsubscribe',
    entry: 'functions/handlers/ws/status-unsubscribe.ts',
    description: 'unsubscribeStatus: leaves the tenant status feed',
    trigger: { kind: 'ws', route: 'unsubscribeStatus' },
    access: rw,
  },
  {
    name: 'WsMonitorStart',
    entry: 'functions/handlers/ws/monitor-start.ts',
    description: 'monitor: silent monitor of one agent (mirrors what the agent receives)',
    trigger: { kind: 'ws', route: 'monitor' },
    access: rw,
  },
  {
    name: 'WsMonitorStop',
    entry: 'functions/handlers/ws/monitor-stop.ts',
    description: 'unmonitor: stops a silent monitor',
    trigger: { kind: 'ws', route: 'unmonitor' },
    access: rw,
  },
  {
    name: 'StreamAgentEvents',
    entry: 'functions/handlers/stream/agent-events.ts',
    description: 'Applies Amazon Connect agent events: statuses, directory team/queues, sessions, domain events',
    trigger: { kind: 'kinesis', stream: 'agentEvents', batchSize: 100 },
    access: changes,
    timeoutSeconds: 60,
  },
  {
    name: 'StreamStatusFeed',
    entry: 'functions/handlers/stream/status-feed.ts',
    description: "Delivers the status feed: a tenant's changes since the last run as one frame per subscriber",
    // Enhanced fan-out: a change reaches consoles in ≈70 ms plus the posts, where a polled shard adds up to a second.
    trigger: { kind: 'kinesis', stream: 'statusFeed', batchSize: 1000, enhancedFanOut: true },
    // readwrite: a 410 Gone removes that connection's subscriptions.
    access: { tables: { main: 'readwrite' }, manageConnections: true },
    timeoutSeconds: 30,
  },
  {
    name: 'ScheduleStatusInactivity',
    entry: 'functions/handlers/schedule/status-inactivity.ts',
    description: 'Started every minute, sweeps every 2 s for 2 minutes: agents silent past the window go Offline',
    trigger: { kind: 'schedule', expression: 'rate(1 minute)' },
    access: changes,
    // The run (120 s, see the handler) plus a margin; it mostly sleeps, so it needs no more than the minimum memory.
    timeoutSeconds: 130,
    memorySize: 128,
  },
  {
    name: 'ScheduleStatusConnectSync',
    entry: 'functions/handlers/schedule/status-connect-sync.ts',
    description: 'Every minute: drains the PutUserStatus queue at ≤ 2 requests/s (429s retried, nothing dropped)',
    trigger: { kind: 'schedule', expression: 'rate(1 minute)' },
    access: { tables: { main: 'readwrite' }, connect: ['PutUserStatus'] },
    timeoutSeconds: 60,
  },
];
