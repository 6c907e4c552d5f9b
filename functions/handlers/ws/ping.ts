import { ROLES } from '#domain/principal.ts';
import { touchActivity } from '#shared/status-runtime.ts';
import { frameSchema, wsAction } from '#shared/ws.ts';

/** Keep-alive. Clients ping at least every 30 s: API Gateway closes a WebSocket after 10 minutes of silence. */
export const handler = wsAction(
  { roles: ROLES, action: 'ping', body: frameSchema('ping', {}) },
  async ({ principal }) => {
    // A ping is the client's sign of life: it keeps the agent from being set Offline for inactivity.
    await touchActivity(principal);
    return { type: 'pong' };
  },
);
