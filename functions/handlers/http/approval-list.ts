import { pendingRequestsQuery, requestFrame } from '#composition/status.ts';
import { authedRoute } from '#shared/http.ts';

const pendingRequests = pendingRequestsQuery();

/** GET /status/requests — pending approval requests of the tenant (a console that connects late catches up). */
export const handler = authedRoute(
  { roles: ['supervisor', 'admin'], action: 'list status requests' },
  async ({ principal }) => ({ body: { items: (await pendingRequests(principal)).map(requestFrame) } }),
);
