import { JwtVerifier } from 'aws-jwt-verify';
import { SimpleJwksCache } from 'aws-jwt-verify/jwk';
import * as z from 'zod/mini';
import { GlobalFetchJwksFetcher } from '#adapters/jwks-fetcher.ts';
import { loadEnv } from '#shared/env.ts';
import { once } from './once.ts';

/**
 * The WebSocket `$connect` authorizer's verifier of Cognito ID tokens (they carry custom:tenant and cognito:groups;
 * access tokens do not carry custom attributes), reading the keys through the scheme-following JWKS fetcher.
 */
export const tokenVerifier = /*@__PURE__*/ once(() => {
  const env = loadEnv({ JWT_ISSUER: z.url(), JWT_AUDIENCE: z.string().check(z.minLength(1)), JWKS_URI: z.url() });
  return JwtVerifier.create(
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
});
