import { clock } from '#composition/core.ts';
import { agentWorkload } from '#domain/status-admin.ts';
import { agentParamsSchema, workloadQuerySchema } from '#domain/status-schemas.ts';
import { authedRoute } from '#shared/http.ts';
import { cachedSettings, statusStore } from '#shared/status-runtime.ts';

/** GET /agents/{id}/workload?from=YYYY-MM-DD&to=YYYY-MM-DD — seconds per status per local day (tenant time zone). */
export const handler = authedRoute(
  {
    roles: ['agent', 'supervisor', 'admin'],
    action: 'read workload reports',
    params: agentParamsSchema,
    query: workloadQuerySchema,
  },
  async ({ principal, params, query }) => ({
    body: await agentWorkload({ store: statusStore(), clock, settings: cachedSettings() }, principal, params.id, query),
  }),
);
