import { heartbeatConfigBodySchema, saveHeartbeatConfig } from '#composition/heartbeats.ts';
import { authedRoute } from '#shared/http.ts';

const saveConfig = saveHeartbeatConfig();

/**
 * PUT /heartbeat/config — admins switch heartbeats on or off and set cadence, local hours, contact flow, queue and
 * concurrency; the tenant's schedule is created, updated or deleted to match.
 */
export const handler = authedRoute(
  { roles: ['admin'], action: 'configure heartbeats', body: heartbeatConfigBodySchema },
  async ({ principal, body }) => ({ body: await saveConfig(principal, body) }),
);
