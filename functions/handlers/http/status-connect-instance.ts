import { configureConnect } from '#domain/status-admin.ts';
import { connectInstanceBodySchema } from '#domain/status-schemas.ts';
import { authedRoute } from '#shared/http.ts';
import { reasonStore } from '#shared/status-runtime.ts';

/**
 * PUT /connect/instance {instanceArn, statusMap} — links the tenant to its Connect instance (agent events of that
 * instance are applied to this tenant) and maps status codes to Connect agent status ids for PutUserStatus.
 */
export const handler = authedRoute(
  { roles: ['admin'], action: 'configure Amazon Connect', body: connectInstanceBodySchema },
  async ({ principal, body }) => ({ body: await configureConnect({ reasons: reasonStore() }, principal, body) }),
);
