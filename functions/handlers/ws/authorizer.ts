import { JwtVerifier } from 'aws-jwt-verify';
import { SimpleJwksCache } from 'aws-jwt-verify/jwk';
import type { APIGatewayAuthorizerResult, APIGatewayRequestAuthorizerEvent } from 'aws-lambda';
import * as z from 'zod';
import { GlobalFetchJwksFetcher } from '#adapters/jwks-fetcher.ts';
import { AppError } from '#domain/errors.ts';
import { principalFromClaims } from '#shared/auth.ts';
import { loadEnv } from '#shared/env.ts';
import { logger } from '#shared/powertools.ts';

const env = loadEnv({ JWT_ISSUER: z.url(), JWT_AUDIENCE: z.string().min(1), JWKS_URI: z.url() });

// Cognito ID tokens: they carry custom:tenant and cognito:groups (access tokens do not carry custom attributes).
const verifier = JwtVerifier.create(
  {
    issuer: env.JWT_ISSUER,
    audience: env.JWT_AUDIENCE,
    jwksUri: env.JWKS_URI,
    customJwtCheck: ({ payload }) => {
      if (payload.token_use !== 'id') throw new Error('Not an ID token');
    },
  },
  { jwksCache: new SimpleJwksCache({ fetcher: new GlobalFetchJwksFetcher() }) },
);

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
  try {
    const principal = principalFromClaims(payload);
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
  } catch (error) {
    if (error instanceof AppError && error.statusCode === 403) {
      logger.info('Connection denied', { reason: error.message });
      return policy('anonymous', 'Deny', event.methodArn);
    }
    throw new Error('Unauthorized');
  }
};
