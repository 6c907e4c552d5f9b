import { agentDashboard, dashboardQuerySchema } from '#composition/dashboard.ts';
import { authedRoute } from '#shared/http.ts';

const dashboard = agentDashboard();

/**
 * GET /dashboard/agents?from&to&team&queue&cursor&limit — the admins' "Agent Status" dashboard: per agent, the current
 * status and the period's alerts, reports and heartbeat results, from pre-aggregated counters.
 */
export const handler = authedRoute(
  { roles: ['admin'], action: 'read the agent status dashboard', query: dashboardQuerySchema },
  async ({ principal, query }) => ({ body: await dashboard(principal, query) }),
);
