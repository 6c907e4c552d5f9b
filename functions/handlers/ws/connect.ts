import { registerConnection } from '#domain/connections.ts';
import { logger } from '#shared/powertools.ts';
import { clock, connectionRepository } from '#shared/runtime.ts';
import { signOfLife } from '#shared/status-runtime.ts';
import { wsConnect } from '#shared/ws.ts';

const connections = connectionRepository();

/**
 * `$connect` (after the authorizer): records the connection under its tenant and user, live until its token expires
 * (nothing is pushed to it after that). Agents then start their presence; supervisors join the roster that receives
 * approval requests live (`touch`).
 */
export const handler = wsConnect({ touch: signOfLife }, async ({ principal, tokenExpiresAt, connectionId }) => {
  await registerConnection({ connections, clock }, principal, connectionId, tokenExpiresAt);
  logger.info('Connected', { tenant: principal.tenant, user: principal.user, role: principal.role, connectionId });
});
