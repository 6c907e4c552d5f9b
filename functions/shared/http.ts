import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyResultV2, Context } from 'aws-lambda';
import type * as z from 'zod';
import type { Operator } from '#domain/connect-binding.ts';
import { toErrorResponse } from '#domain/errors.ts';
import type { Principal, Role } from '#domain/principal.ts';
import { requireRole } from '#domain/principal.ts';
import { operatorFromClaims, principalFromClaims } from './auth.ts';
import { logger } from './powertools.ts';
import { type SignOfLife, touch } from './sign-of-life.ts';
import { parseJson, parseOrThrow } from './validation.ts';

/** An HTTP API (payload 2.0) event; behind the JWT authorizer it carries the verified claims. */
export type HttpEvent = APIGatewayProxyEventV2 & {
  requestContext: APIGatewayProxyEventV2['requestContext'] & {
    authorizer?: { jwt?: { claims?: Record<string, unknown>; scopes?: string[] | null } };
  };
};

export interface HttpResult {
  /** @default 200 */
  readonly statusCode?: number;
  readonly body?: unknown;
  /** A body sent as it is instead of JSON (e.g. a CSV export); its `content-type` goes into `headers`. */
  readonly text?: string;
  readonly headers?: Readonly<Record<string, string>>;
}

interface RequestParts<B, Q, P> {
  readonly body: B;
  readonly query: Q;
  readonly params: P;
  /** Header names lower-cased. */
  readonly headers: Readonly<Record<string, string | undefined>>;
  readonly event: HttpEvent;
}

export interface AuthedRequest<B, Q, P> extends RequestParts<B, Q, P> {
  readonly principal: Principal;
}

interface Schemas<B extends z.ZodType, Q extends z.ZodType, P extends z.ZodType> {
  readonly body?: B;
  readonly query?: Q;
  readonly params?: P;
}

function json(
  statusCode: number,
  body: unknown,
  headers: Readonly<Record<string, string>> = {},
): APIGatewayProxyResultV2 {
  if (body === undefined) return { statusCode, headers: { ...headers } };
  return { statusCode, headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) };
}

/** Maps thrown errors to `{code, message}` bodies: 4xx shown as they are, anything else a logged, generic 500. */
const httpErrors = (): middy.MiddlewareObj<HttpEvent, APIGatewayProxyResultV2> => ({
  onError: async (request) => {
    const { statusCode, body } = toErrorResponse(request.error);
    if (statusCode >= 500) logger.error('Unhandled error', { error: request.error as Error });
    else logger.info('Request refused', { statusCode, code: body.code });
    request.response = json(statusCode, body);
  },
});

function lowerCaseHeaders(headers: HttpEvent['headers']): Record<string, string | undefined> {
  const out: Record<string, string | undefined> = {};
  for (const [k, v] of Object.entries(headers ?? {})) out[k.toLowerCase()] = v;
  return out;
}

function parts<B extends z.ZodType, Q extends z.ZodType, P extends z.ZodType>(
  event: HttpEvent,
  schemas: Schemas<B, Q, P>,
): RequestParts<z.output<B>, z.output<Q>, z.output<P>> {
  const raw = event.isBase64Encoded && event.body ? Buffer.from(event.body, 'base64').toString('utf8') : event.body;
  const bodyJson = schemas.body ? parseJson(raw, 'request body') : undefined;
  return {
    // Without a schema the part is `undefined`, which is what the default `z.ZodUndefined` type parameter says.
    body: (schemas.body ? parseOrThrow(schemas.body, bodyJson, 'request body') : undefined) as z.output<B>,
    query: (schemas.query
      ? parseOrThrow(schemas.query, event.queryStringParameters ?? {}, 'query')
      : undefined) as z.output<Q>,
    params: (schemas.params
      ? parseOrThrow(schemas.params, event.pathParameters ?? {}, 'path')
      : undefined) as z.output<P>,
    headers: lowerCaseHeaders(event.headers),
    event,
  };
}

function toResult(result: HttpResult): APIGatewayProxyResultV2 {
  if (result.text !== undefined)
    return { statusCode: result.statusCode ?? 200, headers: { ...result.headers }, body: result.text };
  return json(result.statusCode ?? 200, result.body, result.headers);
}

function wrap(fn: (event: HttpEvent) => Promise<HttpResult>) {
  return middy<HttpEvent, APIGatewayProxyResultV2, Error, Context>()
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .use(httpErrors())
    .handler(async (event) => toResult(await fn(event)));
}

/**
 * A route behind the JWT authorizer: the principal comes from the verified claims, the role is checked before
 * anything else, then body, query and path parameters are validated with zod (400 with field-level issues). A route
 * with `touch` records the caller's sign of life once the request passed those checks, before the handler runs.
 */
export function authedRoute<
  B extends z.ZodType = z.ZodUndefined,
  Q extends z.ZodType = z.ZodUndefined,
  P extends z.ZodType = z.ZodUndefined,
>(
  spec: Schemas<B, Q, P> & {
    readonly roles: readonly Role[];
    readonly action: string;
    /** A REST call is a sign of life too (auto-Offline, the approval roster). */
    readonly touch?: SignOfLife;
  },
  fn: (req: AuthedRequest<z.output<B>, z.output<Q>, z.output<P>>) => Promise<HttpResult>,
) {
  return wrap(async (event) => {
    const principal = principalFromClaims(event.requestContext.authorizer?.jwt?.claims);
    logger.appendKeys({ tenant: principal.tenant, user: principal.user });
    requireRole(principal, spec.roles, spec.action);
    const request = { ...parts(event, spec), principal };
    await touch(spec.touch, principal);
    return fn(request);
  });
}

/**
 * A route of the deployment's operators (Cognito group `operator`), behind the same JWT authorizer: tenant-scoped
 * roles do not count here, and an operator has no tenant role on the other routes.
 */
export function operatorRoute<
  B extends z.ZodType = z.ZodUndefined,
  Q extends z.ZodType = z.ZodUndefined,
  P extends z.ZodType = z.ZodUndefined,
>(
  spec: Schemas<B, Q, P>,
  fn: (
    req: RequestParts<z.output<B>, z.output<Q>, z.output<P>> & { readonly operator: Operator },
  ) => Promise<HttpResult>,
) {
  return wrap(async (event) => {
    const operator = operatorFromClaims(event.requestContext.authorizer?.jwt?.claims);
    logger.appendKeys({ operator: operator.user });
    return fn({ ...parts(event, spec), operator });
  });
}

/** A route without authentication (health checks only). */
export function publicRoute<
  B extends z.ZodType = z.ZodUndefined,
  Q extends z.ZodType = z.ZodUndefined,
  P extends z.ZodType = z.ZodUndefined,
>(spec: Schemas<B, Q, P>, fn: (req: RequestParts<z.output<B>, z.output<Q>, z.output<P>>) => Promise<HttpResult>) {
  return wrap(async (event) => fn(parts(event, spec)));
}
