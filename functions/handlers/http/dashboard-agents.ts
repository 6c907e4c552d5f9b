import { dashboardDeps } from '#composition/dashboard.ts';
import { agentDashboard } from '#domain/dashboard.ts';
import { dashboardQuerySchema } from '#domain/dashboard-schemas.ts';
import { authedRoute } from '#shared/http.ts';

const deps = dashboardDeps();

/**
 * GET /dashboard/agents?from&to&team&queue&cursor&limit — the admins' "Agent Status" dashboard: per agent, the current
 * status and the period's alerts, reports and heartbeat results, from pre-aggregated counters.
 */
export const handler = authedRoute(
  { roles: ['admin'], action: 'read the agent status dashboard', query: dashboardQuerySchema },
  async ({ principal, query }) => ({ body: await agentDashboard(deps, principal, query) }),
);
