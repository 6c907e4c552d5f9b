import { clock } from '#composition/core.ts';
import { readStatusLog } from '#domain/status-admin.ts';
import { agentParamsSchema, logQuerySchema } from '#domain/status-schemas.ts';
import { authedRoute } from '#shared/http.ts';
import { statusStore } from '#shared/status-runtime.ts';

/** GET /agents/{id}/status-log?from&to — changes (from, to, at, source, by) and sessions; agents see only their own. */
export const handler = authedRoute(
  {
    roles: ['agent', 'supervisor', 'admin'],
    action: 'read status logs',
    params: agentParamsSchema,
    query: logQuerySchema,
  },
  async ({ principal, params, query }) => ({
    body: await readStatusLog({ store: statusStore(), clock }, principal, params.id, query),
  }),
);
