import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { JwtVerifier } from 'aws-jwt-verify';
import { SimpleJwksCache } from 'aws-jwt-verify/jwk';
import { GlobalFetchJwksFetcher } from '../../functions/adapters/jwks-fetcher.ts';
import type { HttpMethod } from '../registry/types.ts';
import { closeServer, decodeComponent, listen, readBody, requestTarget, sendJson } from './http-util.ts';
import { invoke, type LambdaHandler } from './lambda.ts';
import { LOCAL_ACCOUNT, type LocalLog } from './local-aws.ts';

/** A route of the local HTTP API: what the registry declares, with the loaded handler. */
export interface HttpRoute {
  readonly method: HttpMethod;
  readonly path: string;
  readonly auth: 'jwt' | 'none';
  readonly name: string;
  readonly handler: LambdaHandler;
}

/** A plain request handler for things that are not API routes (the local issuer's JWKS); return false to pass. */
export type ExtraHandler = (req: IncomingMessage, res: ServerResponse, body: Buffer) => boolean | Promise<boolean>;

export interface HttpGatewayOptions {
  readonly port: number;
  readonly host?: string;
  /**
   * The routes, once every function is loaded: until then (`undefined`) every request is answered 503 with
   * `Retry-After`, so that an early caller (a health poller, a widget reconnecting during a restart) never sees a
   * half-loaded route table.
   */
  readonly routes: () => readonly HttpRoute[] | undefined;
  /**
   * The JWT authorizer's configuration (Cognito's in the cloud, the local issuer here). A function, because the local
   * issuer's URL contains this gateway's port, known only once it listens.
   */
  readonly jwt: () => { readonly issuer: string; readonly audience: string; readonly jwksUri: string };
  readonly extra?: ExtraHandler;
  /** Called for every request that reaches a route (the local runtime uses it for logging). */
  readonly log?: LocalLog;
}

export interface HttpGateway {
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
}

const MAX_BODY_BYTES = 10 * 1024 * 1024; // HTTP API payload limit

interface CompiledRoute extends HttpRoute {
  readonly pattern: RegExp;
  readonly params: readonly string[];
}

function compile(route: HttpRoute): CompiledRoute {
  const params: string[] = [];
  const source = route.path
    .split('/')
    .map((segment) => {
      const greedy = /^\{(\w+)\+\}$/.exec(segment);
      if (greedy?.[1]) {
        params.push(greedy[1]);
        return '(.+)';
      }
      const param = /^\{(\w+)\}$/.exec(segment);
      if (param?.[1]) {
        params.push(param[1]);
        return '([^/]+)';
      }
      return segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    })
    .join('/');
  return { ...route, pattern: new RegExp(`^${source}$`), params };
}

/** The Host header when it is a plain host[:port], else the gateway's own host (a hostile Host is only a string). */
function domainOf(header: string | undefined, fallback: string): string {
  return header !== undefined && /^[A-Za-z0-9.-]{1,253}(:\d{1,5})?$|^\[[0-9A-Fa-f:.]{2,45}\](:\d{1,5})?$/.test(header)
    ? header
    : fallback;
}

/** HTTP API hands JWT claims to the integration as strings; list claims look like `[a b]`. */
function flattenClaims(payload: Record<string, unknown>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(payload)) {
    out[key] = Array.isArray(value)
      ? `[${value.join(' ')}]`
      : typeof value === 'string'
        ? value
        : JSON.stringify(value);
  }
  return out;
}

/**
 * An HTTP API (payload format 2.0) emulator: matches the registry's routes, runs the JWT authorizer with the real
 * verifier (401 `{"message":"Unauthorized"}` as API Gateway answers), builds the event the Lambda integration gets and
 * maps the handler's result back. Unknown routes get 404 `{"message":"Not Found"}`.
 */
export async function startHttpGateway(options: HttpGatewayOptions): Promise<HttpGateway> {
  const host = options.host ?? '127.0.0.1';
  // Compiled once the runtime hands over the complete list (it loads the functions after the gateway listens).
  let routes: CompiledRoute[] | undefined;
  let verifier: { verify(token: string): Promise<unknown> } | undefined;
  const verify = (token: string) => {
    if (!verifier) {
      const { issuer, audience, jwksUri } = options.jwt();
      verifier = JwtVerifier.create(
        { issuer, audience, jwksUri },
        { jwksCache: new SimpleJwksCache({ fetcher: new GlobalFetchJwksFetcher() }) },
      );
    }
    return verifier.verify(token);
  };
  const log = options.log ?? (() => undefined);

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const body = await readBody(req, MAX_BODY_BYTES);
    if (body === undefined) return sendJson(res, 413, { message: 'Request Entity Too Large' });
    if (options.extra && (await options.extra(req, res, body))) return;
    if (!routes) {
      const loaded = options.routes();
      if (!loaded) {
        res.setHeader('retry-after', '1');
        return sendJson(res, 503, { message: 'Service Unavailable: the local runtime is starting' });
      }
      // API Gateway prefers the most specific route: static paths before templated ones.
      routes = loaded.map(compile).sort((a, b) => a.params.length - b.params.length);
    }
    const url = requestTarget(req);
    if (!url) return sendJson(res, 400, { message: 'Bad Request' });
    const method = (req.method ?? 'GET').toUpperCase();
    let matched: { route: CompiledRoute; params: Record<string, string> } | undefined;
    for (const route of routes) {
      if (route.method !== method) continue;
      const m = route.pattern.exec(url.pathname);
      if (!m) continue;
      const params: Record<string, string> = Object.create(null);
      for (const [i, name] of route.params.entries()) {
        const value = decodeComponent(m[i + 1] ?? '');
        // API Gateway refuses a path it cannot decode before any authorizer or integration runs.
        if (value === undefined) return sendJson(res, 400, { message: 'Bad Request' });
        params[name] = value;
      }
      matched = { route, params };
      break;
    }
    if (!matched) return sendJson(res, 404, { message: 'Not Found' });
    const { route, params } = matched;

    let authorizer: { jwt: { claims: Record<string, string>; scopes: null } } | undefined;
    if (route.auth === 'jwt') {
      const header = req.headers.authorization ?? '';
      const token = header.replace(/^Bearer\s+/i, '');
      if (!token) return sendJson(res, 401, { message: 'Unauthorized' });
      try {
        const payload = await verify(token);
        authorizer = { jwt: { claims: flattenClaims(payload as Record<string, unknown>), scopes: null } };
      } catch (error) {
        log('info', 'JWT refused', { route: `${method} ${route.path}`, reason: (error as Error).message });
        return sendJson(res, 401, { message: 'Unauthorized' });
      }
    }

    // Maps keyed by what the client sent: without a prototype, `__proto__` or `constructor` are plain keys.
    const headers: Record<string, string> = Object.create(null);
    for (const [key, value] of Object.entries(req.headers)) {
      if (value !== undefined) headers[key] = Array.isArray(value) ? value.join(',') : value;
    }
    const query: Record<string, string> = Object.create(null);
    for (const [key, value] of url.searchParams)
      query[key] = query[key] === undefined ? value : `${query[key]},${value}`;
    const now = Date.now();
    const event = {
      version: '2.0',
      routeKey: `${route.method} ${route.path}`,
      rawPath: url.pathname,
      rawQueryString: url.search.replace(/^\?/, ''),
      headers,
      ...(Object.keys(query).length > 0 ? { queryStringParameters: query } : {}),
      ...(route.params.length > 0 ? { pathParameters: params } : {}),
      requestContext: {
        accountId: LOCAL_ACCOUNT,
        apiId: 'local',
        domainName: domainOf(req.headers.host, host),
        domainPrefix: 'local',
        http: {
          method,
          path: url.pathname,
          protocol: 'HTTP/1.1',
          sourceIp: req.socket.remoteAddress ?? '127.0.0.1',
          userAgent: headers['user-agent'] ?? '',
        },
        requestId: randomUUID(),
        routeKey: `${route.method} ${route.path}`,
        stage: '$default',
        time: new Date(now).toUTCString(),
        timeEpoch: now,
        ...(authorizer ? { authorizer } : {}),
      },
      ...(body.length > 0 ? { body: body.toString('utf8') } : {}),
      isBase64Encoded: false,
    };
    try {
      const result = await invoke(route.name, route.handler, event, 29_000);
      if (result && typeof result === 'object' && 'statusCode' in result) {
        const r = result as {
          statusCode: number;
          headers?: Record<string, string>;
          body?: string;
          isBase64Encoded?: boolean;
        };
        res.writeHead(r.statusCode, r.headers ?? {});
        res.end(r.body === undefined ? undefined : r.isBase64Encoded ? Buffer.from(r.body, 'base64') : r.body);
        return;
      }
      // Payload 2.0: a result without statusCode is the body of a 200 — a string as it is, anything else as JSON.
      if (typeof result === 'string') {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(result);
        return;
      }
      sendJson(res, 200, result ?? null);
    } catch (error) {
      log('error', 'Handler failed', { route: route.name, error: (error as Error).stack ?? String(error) });
      sendJson(res, 500, { message: 'Internal Server Error' });
    }
  };

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      log('error', 'Gateway error', { error: String(error) });
      if (!res.headersSent) sendJson(res, 500, { message: 'Internal Server Error' });
    });
  });
  server.keepAliveTimeout = 30_000;
  // A request Node's parser refuses (a request line or headers past 16 KB, bytes that are not HTTP) gets an answer,
  // as API Gateway gives one, rather than a reset: what the client still sends is read and dropped until it is done.
  server.on('clientError', (error: Error & { code?: string }, socket) => {
    if (!socket.writable) return socket.destroy();
    const tooLarge = error.code === 'HPE_HEADER_OVERFLOW';
    const status = tooLarge ? '431 Request Header Fields Too Large' : '400 Bad Request';
    const body = JSON.stringify({ message: tooLarge ? 'Request Header Fields Too Large' : 'Bad Request' });
    socket.end(
      `HTTP/1.1 ${status}\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n` +
        `Connection: close\r\n\r\n${body}`,
    );
    socket.resume();
    setTimeout(() => socket.destroy(), 2000).unref();
  });
  const port = await listen(server, options.port, host);
  return {
    url: `http://${host}:${port}`,
    port,
    close: () => closeServer(server),
  };
}
