import type { APIGatewayProxyResult } from 'aws-lambda';
import { connectionLifecycle, connectionSubscriptionsCleanup } from '#composition/status.ts';
import { principalFromConnectionContext } from '#shared/auth.ts';
import { logger } from '#shared/powertools.ts';
import type { WsEvent } from '#shared/ws.ts';

const { forget } = connectionLifecycle();
const removeSubscriptions = connectionSubscriptionsCleanup();

/** `$disconnect` (best effort — stale records are also removed on 410 and by TTL). */
export const handler = async (event: WsEvent): Promise<APIGatewayProxyResult> => {
  const principal = principalFromConnectionContext(event.requestContext.authorizer);
  const { connectionId } = event.requestContext;
  await forget(principal, connectionId);
  // A supervisor's feed and monitor subscriptions die with the connection.
  await removeSubscriptions(principal, connectionId);
  logger.info('Disconnected', { tenant: principal.tenant, user: principal.user, connectionId });
  return { statusCode: 200, body: '' };
};
