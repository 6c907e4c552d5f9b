import { ROLES, signOfLife } from '#composition/status.ts';
import { frameSchema, wsAction } from '#shared/ws.ts';

/** Keep-alive. Clients ping at least every 30 s: API Gateway closes a WebSocket after 10 minutes of silence. */
export const handler = wsAction(
  // A ping is the client's sign of life: it keeps the agent from being set Offline for inactivity.
  { roles: ROLES, action: 'ping', body: frameSchema('ping', {}), touch: signOfLife },
  async () => ({ type: 'pong' }),
);
