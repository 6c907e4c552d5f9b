import { connectStatusMapBodySchema, statusMapCommand } from '#composition/status.ts';
import { authedRoute } from '#shared/http.ts';

const setStatusMap = statusMapCommand();

/**
 * PUT /connect/status-map {statusMap} — a tenant admin maps status codes to the Connect agent-status ids of the
 * tenant's instance (for PutUserStatus). Which instance that is, only an operator decides.
 */
export const handler = authedRoute(
  { roles: ['admin'], action: 'configure Amazon Connect', body: connectStatusMapBodySchema },
  async ({ principal, body }) => ({ body: await setStatusMap(principal, body.statusMap) }),
);
