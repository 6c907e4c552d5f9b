import { listReports, listReportsQuerySchema } from '#composition/reports.ts';
import { authedRoute } from '#shared/http.ts';

const list = listReports();

/**
 * GET /reports?agent&team&category&severity&from&to&cursor&limit — supervisors and admins list the tenant's reports,
 * newest first; agents list their own (naming another agent is 403 `OWN_REPORTS_ONLY`).
 */
export const handler = authedRoute(
  { roles: ['agent', 'supervisor', 'admin'], action: 'list reports', query: listReportsQuerySchema },
  async ({ principal, query: { cursor, limit, ...filter } }) => ({
    body: await list(principal, filter, { cursor, limit }),
  }),
);
