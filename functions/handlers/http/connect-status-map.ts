import { setStatusMap } from '#domain/connect-binding.ts';
import { connectStatusMapBodySchema } from '#domain/status-schemas.ts';
import { authedRoute } from '#shared/http.ts';
import { bindingStore } from '#shared/status-runtime.ts';

const deps = { bindings: bindingStore() };

/**
 * PUT /connect/status-map {statusMap} — a tenant admin maps status codes to the Connect agent-status ids of the
 * tenant's instance (for PutUserStatus). Which instance that is, only an operator decides.
 */
export const handler = authedRoute(
  { roles: ['admin'], action: 'configure Amazon Connect', body: connectStatusMapBodySchema },
  async ({ principal, body }) => ({ body: await setStatusMap(deps, principal, body.statusMap) }),
);
