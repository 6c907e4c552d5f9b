import { alertQuerySchema, queryAlerts } from '#composition/alerts-routes.ts';
import { authedRoute } from '#shared/http.ts';

const search = queryAlerts();

/** GET /alerts?agent|team&state&from&to&cursor&limit — admins query the full record, newest first, paginated. */
export const handler = authedRoute(
  { roles: ['admin'], action: 'query the alert record', query: alertQuerySchema },
  async ({ principal, query }) => ({ body: await search(principal, query) }),
);
