import { reportReadDeps } from '#composition/reports.ts';
import { listReportsQuerySchema } from '#domain/report-schemas.ts';
import { listReports } from '#domain/reports.ts';
import { authedRoute } from '#shared/http.ts';

const deps = reportReadDeps();

/**
 * GET /reports?agent&team&category&severity&from&to&cursor&limit — supervisors and admins list the tenant's reports,
 * newest first; agents list their own (naming another agent is 403 `OWN_REPORTS_ONLY`).
 */
export const handler = authedRoute(
  { roles: ['agent', 'supervisor', 'admin'], action: 'list reports', query: listReportsQuerySchema },
  async ({ principal, query: { cursor, limit, ...filter } }) => ({
    body: await listReports(deps, principal, filter, { cursor, limit }),
  }),
);
