import type { APIGatewayProxyResult } from 'aws-lambda';
import { connectionRepository } from '#composition/connections.ts';
import { clock } from '#composition/core.ts';
import { registerConnection } from '#domain/connections.ts';
import { identityFromConnectionContext } from '#shared/auth.ts';
import { logger } from '#shared/powertools.ts';
import { touchActivity } from '#shared/status-runtime.ts';
import type { WsEvent } from '#shared/ws.ts';

const connections = connectionRepository();

/**
 * `$connect` (after the authorizer): records the connection under its tenant and user, live until its token expires
 * (nothing is pushed to it after that).
 */
export const handler = async (event: WsEvent): Promise<APIGatewayProxyResult> => {
  const { principal, tokenExpiresAt } = identityFromConnectionContext(event.requestContext.authorizer);
  const { connectionId } = event.requestContext;
  await registerConnection({ connections, clock }, principal, connectionId, tokenExpiresAt);
  // Agents start their presence; supervisors join the roster that receives approval requests live.
  await touchActivity(principal);
  logger.info('Connected', { tenant: principal.tenant, user: principal.user, role: principal.role, connectionId });
  return { statusCode: 200, body: '' };
};
