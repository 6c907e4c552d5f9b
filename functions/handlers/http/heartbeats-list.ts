import { listHeartbeats, listHeartbeatsQuerySchema } from '#composition/heartbeats.ts';
import { authedRoute } from '#shared/http.ts';

const list = listHeartbeats();

/** GET /heartbeats?agent&from&to&cursor&limit — one agent's test calls in a period, newest first (agents: their own). */
export const handler = authedRoute(
  { roles: ['agent', 'supervisor', 'admin'], action: 'read heartbeat results', query: listHeartbeatsQuerySchema },
  async ({ principal, query }) => ({ body: await list(principal, query) }),
);
