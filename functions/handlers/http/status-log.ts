import { agentParamsSchema, logQuerySchema, statusLogQuery } from '#composition/status.ts';
import { authedRoute } from '#shared/http.ts';

const statusLog = statusLogQuery();

/** GET /agents/{id}/status-log?from&to — changes (from, to, at, source, by) and sessions; agents see only their own. */
export const handler = authedRoute(
  {
    roles: ['agent', 'supervisor', 'admin'],
    action: 'read status logs',
    params: agentParamsSchema,
    query: logQuerySchema,
  },
  async ({ principal, params, query }) => ({ body: await statusLog(principal, params.id, query) }),
);
