import { listPendingRequests, requestFrame } from '#domain/status-service.ts';
import { authedRoute } from '#shared/http.ts';
import { statusReadDeps } from '#shared/status-runtime.ts';

const deps = statusReadDeps();

/** GET /status/requests — pending approval requests of the tenant (a console that connects late catches up). */
export const handler = authedRoute(
  { roles: ['supervisor', 'admin'], action: 'list status requests' },
  async ({ principal }) => ({ body: { items: (await listPendingRequests(deps, principal)).map(requestFrame) } }),
);
