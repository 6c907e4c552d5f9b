import type { HandlerDefinition } from './types.ts';

/**
 * Coaching messages: the agent directory, sending (REST and WebSocket), the asynchronous fan-out worker, the agents'
 * inbox and the senders' receipts. Keys on the main table: `T#<t>#AGENTS`, `T#<t>#G#…`, `T#<t>#MSG#…`,
 * `T#<t>#INBOX#…` and gsi2 (`T#<t>#MSGBY#<sender>`, `T#<t>#MSG#<id>#R`).
 */
const main = { main: 'read' } as const;
const mainRw = { main: 'readwrite' } as const;

export const messagingHandlers: readonly HandlerDefinition[] = [
  {
    name: 'HttpMessagesSend',
    entry: 'functions/handlers/http/messages-send.ts',
    description:
      'Sends a coaching message (supervisor, admin); Idempotency-Key; small sends inline, others via MessageFanOut',
    trigger: { kind: 'http', method: 'POST', path: '/messages', auth: 'jwt' },
    access: { tables: mainRw, manageConnections: true, invokes: ['MessageFanOut'] },
    timeoutSeconds: 29,
  },
  {
    name: 'HttpMessagesPreview',
    entry: 'functions/handlers/http/messages-preview.ts',
    description: 'Resolves recipient selectors: count, the single recipient, the first names',
    trigger: { kind: 'http', method: 'POST', path: '/messages/preview', auth: 'jwt' },
    access: { tables: main },
    timeoutSeconds: 29,
  },
  {
    name: 'HttpMessagesList',
    entry: 'functions/handlers/http/messages-list.ts',
    description: 'Messages the caller sent since the last cleardown',
    trigger: { kind: 'http', method: 'GET', path: '/messages', auth: 'jwt' },
    access: { tables: main },
  },
  {
    name: 'HttpMessagesGet',
    entry: 'functions/handlers/http/messages-get.ts',
    description: 'One sent message: status, delivered/read counts, per-agent receipts (paginated)',
    trigger: { kind: 'http', method: 'GET', path: '/messages/{id}', auth: 'jwt' },
    access: { tables: main },
  },
  {
    name: 'MessageFanOut',
    entry: 'functions/handlers/invoke/message-fanout.ts',
    description: 'Fan-out coordinator: plans recipient shards, starts MessageFanOutShard per shard, runs the first',
    trigger: { kind: 'invoke' },
    access: { tables: mainRw, manageConnections: true, invokes: ['MessageFanOutShard'] },
    memorySize: 1024,
    timeoutSeconds: 900,
  },
  {
    name: 'MessageFanOutShard',
    entry: 'functions/handlers/invoke/message-fanout-shard.ts',
    description: "Fan-out shard worker: writes its recipients' entries, pushes them, records whom it reached",
    trigger: { kind: 'invoke' },
    access: { tables: mainRw, manageConnections: true },
    // CPU-bound on posting: 1,024 MB buys most of a vCPU, and a shard of 500 posts finishes well inside a minute.
    memorySize: 1024,
    timeoutSeconds: 300,
  },
  {
    name: 'ScheduleMessageSweep',
    entry: 'functions/handlers/schedule/message-sweep.ts',
    description: 'Every minute: re-drives accepted sends whose fan-out stalled; fails those that never progress',
    trigger: { kind: 'schedule', expression: 'rate(1 minute)' },
    access: { tables: mainRw, manageConnections: true, invokes: ['MessageFanOut'] },
    timeoutSeconds: 60,
  },
  {
    name: 'HttpInboxGet',
    entry: 'functions/handlers/http/inbox-get.ts',
    description: "The caller's messages of today, ?q= case-insensitive search",
    trigger: { kind: 'http', method: 'GET', path: '/inbox', auth: 'jwt' },
    // Writes `deliveredAt` on entries handed out for the first time (many at once through the receipts worker).
    access: { tables: mainRw, invokes: ['InboxReceipts'] },
  },
  {
    name: 'HttpInboxRead',
    entry: 'functions/handlers/http/inbox-read.ts',
    description: 'Marks messages read (one, several or all); receipts pushed to senders',
    trigger: { kind: 'http', method: 'POST', path: '/inbox/read', auth: 'jwt' },
    access: { tables: mainRw, manageConnections: true },
  },
  {
    name: 'WsMessagesSync',
    entry: 'functions/handlers/ws/messages-sync.ts',
    description: 'sync: messages since a cursor plus every unread message of today',
    trigger: { kind: 'ws', route: 'sync' },
    access: { tables: mainRw, invokes: ['InboxReceipts'] },
  },
  {
    name: 'InboxReceipts',
    entry: 'functions/handlers/invoke/inbox-receipts.ts',
    description: 'Receipts worker: marks many entries delivered off the sync request path',
    trigger: { kind: 'invoke' },
    access: { tables: mainRw },
    timeoutSeconds: 60,
  },
  {
    name: 'WsMessagesMarkRead',
    entry: 'functions/handlers/ws/messages-mark-read.ts',
    description: 'markRead: one id, a list or all; receipts pushed to senders',
    trigger: { kind: 'ws', route: 'markRead' },
    access: { tables: mainRw, manageConnections: true },
  },
  {
    name: 'WsMessagesSend',
    entry: 'functions/handlers/ws/messages-send.ts',
    description: 'sendMessage over the WebSocket (supervisor, admin; agents get 403)',
    trigger: { kind: 'ws', route: 'sendMessage' },
    access: { tables: mainRw, manageConnections: true, invokes: ['MessageFanOut'] },
    timeoutSeconds: 29,
  },
  {
    name: 'HttpDirectoryAgentsList',
    entry: 'functions/handlers/http/directory-agents-list.ts',
    description: "Lists the tenant's agents (supervisor, admin), paginated",
    trigger: { kind: 'http', method: 'GET', path: '/directory/agents', auth: 'jwt' },
    access: { tables: main },
  },
  {
    name: 'HttpDirectoryAgentGet',
    entry: 'functions/handlers/http/directory-agent-get.ts',
    description: 'Reads one agent profile (supervisor, admin)',
    trigger: { kind: 'http', method: 'GET', path: '/directory/agents/{agentId}', auth: 'jwt' },
    access: { tables: main },
  },
  {
    name: 'HttpDirectoryAgentPut',
    entry: 'functions/handlers/http/directory-agent-put.ts',
    description: 'Creates or replaces an agent and its group memberships (admin)',
    trigger: { kind: 'http', method: 'PUT', path: '/directory/agents/{agentId}', auth: 'jwt' },
    access: { tables: mainRw },
  },
  {
    name: 'HttpDirectoryAgentDelete',
    entry: 'functions/handlers/http/directory-agent-delete.ts',
    description: 'Deletes an agent and its memberships (admin)',
    trigger: { kind: 'http', method: 'DELETE', path: '/directory/agents/{agentId}', auth: 'jwt' },
    access: { tables: mainRw },
  },
  {
    name: 'HttpDirectoryAgentsImport',
    entry: 'functions/handlers/http/directory-agents-import.ts',
    description: 'Bulk create-or-replace of up to 1,000 agents (admin)',
    trigger: { kind: 'http', method: 'POST', path: '/directory/agents/import', auth: 'jwt' },
    access: { tables: mainRw },
    timeoutSeconds: 29,
  },
];
