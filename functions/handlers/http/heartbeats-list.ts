import { heartbeatReadDeps } from '#composition/heartbeats.ts';
import { listHeartbeatsQuerySchema } from '#domain/heartbeat-schemas.ts';
import { listHeartbeats } from '#domain/heartbeats.ts';
import { authedRoute } from '#shared/http.ts';

const deps = heartbeatReadDeps();

/** GET /heartbeats?agent&from&to&cursor&limit — one agent's test calls in a period, newest first (agents: their own). */
export const handler = authedRoute(
  { roles: ['agent', 'supervisor', 'admin'], action: 'read heartbeat results', query: listHeartbeatsQuerySchema },
  async ({ principal, query }) => ({ body: await listHeartbeats(deps, principal, query) }),
);
