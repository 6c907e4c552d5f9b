import { heartbeatReadDeps } from '#composition/heartbeats.ts';
import { getHeartbeatConfig } from '#domain/heartbeats.ts';
import { authedRoute } from '#shared/http.ts';

const deps = heartbeatReadDeps();

/** GET /heartbeat/config — the tenant's heartbeat configuration (`{config: null}` before an admin saved one). */
export const handler = authedRoute(
  { roles: ['supervisor', 'admin'], action: 'read the heartbeat configuration' },
  async ({ principal }) => ({ body: await getHeartbeatConfig(deps, principal) }),
);
