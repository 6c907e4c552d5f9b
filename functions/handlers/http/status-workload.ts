import { agentParamsSchema, workloadQuery, workloadQuerySchema } from '#composition/status.ts';
import { authedRoute } from '#shared/http.ts';

const workload = workloadQuery();

/** GET /agents/{id}/workload?from=YYYY-MM-DD&to=YYYY-MM-DD — seconds per status per local day (tenant time zone). */
export const handler = authedRoute(
  {
    roles: ['agent', 'supervisor', 'admin'],
    action: 'read workload reports',
    params: agentParamsSchema,
    query: workloadQuerySchema,
  },
  async ({ principal, params, query }) => ({ body: await workload(principal, params.id, query) }),
);
