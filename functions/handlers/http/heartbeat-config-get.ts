import { getHeartbeatConfig } from '#composition/heartbeats.ts';
import { authedRoute } from '#shared/http.ts';

const getConfig = getHeartbeatConfig();

/** GET /heartbeat/config — the tenant's heartbeat configuration (`{config: null}` before an admin saved one). */
export const handler = authedRoute(
  { roles: ['supervisor', 'admin'], action: 'read the heartbeat configuration' },
  async ({ principal }) => ({ body: await getConfig(principal) }),
);
