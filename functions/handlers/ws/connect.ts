import { connectionLifecycle, signOfLife } from '#composition/status.ts';
import { logger } from '#shared/powertools.ts';
import { wsConnect } from '#shared/ws.ts';

const { register } = connectionLifecycle();

/**
 * `$connect` (after the authorizer): records the connection under its tenant and user, live until its token expires
 * (nothing is pushed to it after that). Agents then start their presence; supervisors join the roster that receives
 * approval requests live (`touch`).
 */
export const handler = wsConnect({ touch: signOfLife }, async ({ principal, tokenExpiresAt, connectionId }) => {
  await register(principal, connectionId, tokenExpiresAt);
  logger.info('Connected', { tenant: principal.tenant, user: principal.user, role: principal.role, connectionId });
});
