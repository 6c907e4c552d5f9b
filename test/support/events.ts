import type { Principal } from '../../functions/domain/principal.ts';
import type { HttpEvent } from '../../functions/shared/http.ts';
import type { WsEvent } from '../../functions/shared/ws.ts';
import { LOCAL_ACCOUNT } from '../../lib/local/local-aws.ts';

/** Claims as API Gateway's HTTP JWT authorizer hands them over (strings; lists as "[a b]"). */
export function claimsOf(p: Principal): Record<string, string> {
  return {
    sub: p.user,
    'cognito:username': p.user,
    'custom:tenant': p.tenant,
    'cognito:groups': `[${p.role}]`,
    token_use: 'id',
    ...(p.name ? { 'custom:displayName': p.name } : {}),
  };
}

/** An HTTP API (payload 2.0) event; `principal` undefined means no authorizer ran. */
export function httpEvent(options: {
  method?: string;
  path?: string;
  principal?: Principal;
  body?: unknown;
  query?: Record<string, string>;
  params?: Record<string, string>;
  headers?: Record<string, string>;
}): HttpEvent {
  const method = options.method ?? 'GET';
  const path = options.path ?? '/';
  return {
    version: '2.0',
    routeKey: `${method} ${path}`,
    rawPath: path,
    rawQueryString: new URLSearchParams(options.query ?? {}).toString(),
    headers: { 'content-type': 'application/json', ...(options.headers ?? {}) },
    ...(options.query ? { queryStringParameters: options.query } : {}),
    ...(options.params ? { pathParameters: options.params } : {}),
    requestContext: {
      accountId: LOCAL_ACCOUNT,
      apiId: 'test',
      domainName: 'test.local',
      domainPrefix: 'test',
      http: { method, path, protocol: 'HTTP/1.1', sourceIp: '127.0.0.1', userAgent: 'vitest' },
      requestId: 'req-1',
      routeKey: `${method} ${path}`,
      stage: '$default',
      time: '',
      timeEpoch: 0,
      ...(options.principal ? { authorizer: { jwt: { claims: claimsOf(options.principal), scopes: null } } } : {}),
    },
    ...(options.body === undefined
      ? {}
      : { body: typeof options.body === 'string' ? options.body : JSON.stringify(options.body) }),
    isBase64Encoded: false,
  } as HttpEvent;
}

/** A WebSocket MESSAGE event for a connection of `principal`, whose token expires `tokenExpiresAt` (an hour ahead). */
export function wsEvent(
  principal: Principal,
  body: unknown,
  connectionId = 'conn-1',
  routeKey = '$default',
  tokenExpiresAt = Math.floor(Date.now() / 1000) + 3600,
): WsEvent {
  return {
    body: typeof body === 'string' ? body : JSON.stringify(body),
    isBase64Encoded: false,
    requestContext: {
      routeKey,
      eventType: 'MESSAGE',
      connectionId,
      domainName: 'test.local',
      stage: 'test',
      requestId: 'req-1',
      authorizer: {
        principalId: principal.user,
        tenant: principal.tenant,
        user: principal.user,
        role: principal.role,
        exp: String(tokenExpiresAt),
      },
    },
  };
}

/** The Lambda context argument for direct handler calls. */
export const lambdaContext = {
  callbackWaitsForEmptyEventLoop: false,
  functionName: 'test',
  functionVersion: '$LATEST',
  invokedFunctionArn: 'arn:aws:lambda:us-east-1:000000000000:function:test',
  memoryLimitInMB: '256',
  awsRequestId: 'req-1',
  logGroupName: '/aws/lambda/test',
  logStreamName: 'test',
  getRemainingTimeInMillis: () => 10_000,
  done: () => undefined,
  fail: () => undefined,
  succeed: () => undefined,
};
