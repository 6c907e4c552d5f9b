import type { HandlerDefinition } from './types.ts';

/** Connections, authentication and the health/identity routes every other capability builds on. */
export const foundationHandlers: readonly HandlerDefinition[] = [
  {
    name: 'WsAuthorizer',
    entry: 'functions/handlers/ws/authorizer.ts',
    description: 'Verifies the token query parameter of $connect and passes tenant, user and role on',
    trigger: { kind: 'ws-authorizer' },
    access: { verifiesTokens: true },
  },
  {
    name: 'WsConnect',
    entry: 'functions/handlers/ws/connect.ts',
    description: 'Registers an authenticated WebSocket connection under its tenant and user',
    trigger: { kind: 'ws', route: '$connect' },
    access: { tables: { main: 'readwrite' } },
  },
  {
    name: 'WsDisconnect',
    entry: 'functions/handlers/ws/disconnect.ts',
    description: 'Removes a closed WebSocket connection (best effort: $disconnect may never arrive)',
    trigger: { kind: 'ws', route: '$disconnect' },
    access: { tables: { main: 'readwrite' } },
  },
  {
    name: 'WsDefault',
    entry: 'functions/handlers/ws/default.ts',
    description: 'Answers frames that match no route: malformed JSON or an unknown action',
    trigger: { kind: 'ws', route: '$default' },
    access: {},
  },
  {
    name: 'WsPing',
    entry: 'functions/handlers/ws/ping.ts',
    description: 'Keep-alive: answers {"type":"pong"} and records the sign of life (auto-Offline)',
    trigger: { kind: 'ws', route: 'ping' },
    access: { tables: { main: 'readwrite' } },
  },
  {
    name: 'HttpHealth',
    entry: 'functions/handlers/http/health.ts',
    description: 'Liveness probe, no authentication',
    trigger: { kind: 'http', method: 'GET', path: '/health', auth: 'none' },
    access: {},
  },
  {
    name: 'HttpMe',
    entry: 'functions/handlers/http/me.ts',
    description: "Returns the caller's tenant, user and role",
    trigger: { kind: 'http', method: 'GET', path: '/me', auth: 'jwt' },
    access: {},
  },
  {
    name: 'HttpSettingsGet',
    entry: 'functions/handlers/http/settings-get.ts',
    description: "Reads the caller's tenant settings (supervisor, admin)",
    trigger: { kind: 'http', method: 'GET', path: '/settings', auth: 'jwt' },
    access: { tables: { main: 'read' } },
  },
  {
    name: 'HttpSettingsUpdate',
    entry: 'functions/handlers/http/settings-update.ts',
    description: 'Changes fields of the tenant settings document (admin)',
    trigger: { kind: 'http', method: 'PATCH', path: '/settings', auth: 'jwt' },
    access: { tables: { main: 'readwrite' } },
  },
];
