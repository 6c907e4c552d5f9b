import type { APIGatewayAuthorizerResult, APIGatewayRequestAuthorizerEvent } from 'aws-lambda';
import { tokenVerifier } from '#composition/authorizer.ts';
import { connectionPrincipal } from '#shared/auth.ts';
import { logger } from '#shared/powertools.ts';

const verifier = tokenVerifier();

function policy(
  principalId: string,
  effect: 'Allow' | 'Deny',
  resource: string,
  context?: Record<string, string>,
): APIGatewayAuthorizerResult {
  return {
    principalId,
    policyDocument: {
      Version: '2012-10-17',
      Statement: [{ Action: 'execute-api:Invoke', Effect: effect, Resource: resource }],
    },
    ...(context ? { context } : {}),
  };
}

/**
 * `$connect` REQUEST authorizer. Browsers cannot set headers on a WebSocket, so the ID token travels in the `token`
 * query parameter. A bad, expired or foreign token is refused with 401 (`Unauthorized`); a valid token of a user
 * without a role gets 403. On success the tenant, user, role and the token's expiry (`exp`) ride along with every
 * event of the connection.
 */
export const handler = async (event: APIGatewayRequestAuthorizerEvent): Promise<APIGatewayAuthorizerResult> => {
  const token = event.queryStringParameters?.token;
  if (!token) throw new Error('Unauthorized');
  let payload: unknown;
  try {
    payload = await verifier.verify(token);
  } catch (error) {
    logger.info('Token refused', { reason: (error as Error).message });
    throw new Error('Unauthorized');
  }
  let verdict: ReturnType<typeof connectionPrincipal>;
  try {
    verdict = connectionPrincipal(payload);
  } catch {
    throw new Error('Unauthorized');
  }
  if ('denied' in verdict) {
    logger.info('Connection denied', { reason: verdict.denied });
    return policy('anonymous', 'Deny', event.methodArn);
  }
  const { principal } = verdict;
  // The verifier has checked `exp`; it rides along so that every later frame is refused once the token expires.
  const { exp } = payload as { exp: number };
  const context: Record<string, string> = {
    tenant: principal.tenant,
    user: principal.user,
    role: principal.role,
    exp: String(exp),
  };
  if (principal.name) context.name = principal.name;
  return policy(principal.user, 'Allow', event.methodArn, context);
};
