import type { APIGatewayProxyResult } from 'aws-lambda';
import { connectionRepository, subscriptionStore } from '#composition/connections.ts';
import { removeConnectionSubscriptions } from '#domain/monitoring.ts';
import { principalFromConnectionContext } from '#shared/auth.ts';
import { logger } from '#shared/powertools.ts';
import type { WsEvent } from '#shared/ws.ts';

const connections = connectionRepository();
const subscriptions = subscriptionStore();

/** `$disconnect` (best effort — stale records are also removed on 410 and by TTL). */
export const handler = async (event: WsEvent): Promise<APIGatewayProxyResult> => {
  const principal = principalFromConnectionContext(event.requestContext.authorizer);
  const { connectionId } = event.requestContext;
  await connections.delete(principal.tenant, principal.user, connectionId);
  // A supervisor's feed and monitor subscriptions die with the connection.
  await removeConnectionSubscriptions({ subscriptions }, principal, connectionId);
  logger.info('Disconnected', { tenant: principal.tenant, user: principal.user, connectionId });
  return { statusCode: 200, body: '' };
};
