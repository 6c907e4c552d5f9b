import { queryDeps } from '#composition/alerts.ts';
import { queryAlerts } from '#domain/alerts/lifecycle.ts';
import { alertQuerySchema } from '#domain/alerts/schemas.ts';
import { authedRoute } from '#shared/http.ts';

const deps = queryDeps();

/** GET /alerts?agent|team&state&from&to&cursor&limit — admins query the full record, newest first, paginated. */
export const handler = authedRoute(
  { roles: ['admin'], action: 'query the alert record', query: alertQuerySchema },
  async ({ principal, query }) => ({ body: await queryAlerts(deps, principal, query) }),
);
