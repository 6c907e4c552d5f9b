import { randomBytes, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse, STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import { type RawData, WebSocket, WebSocketServer } from 'ws';
import { guardEmulator } from './emulator-guard.ts';
import { closeServer, listen, readBody, requestTarget, sendJson } from './http-util.ts';
import { invoke, type LambdaHandler } from './lambda.ts';
import { LOCAL_ACCOUNT, type LocalLog } from './local-aws.ts';

/**
 * A local API Gateway WebSocket API plus its `@connections` management API, on one port. It runs the very handler
 * modules CDK deploys, with the event shapes and the refusals API Gateway produces (route selection
 * `$request.body.action`, REQUEST authorizer on `$connect` with identity source `route.request.querystring.token`).
 */

export interface WsRoute {
  readonly name: string;
  readonly handler: LambdaHandler;
}

export interface WsGatewayOptions {
  /** 0 = a random free port. */
  readonly port: number;
  /** @default '127.0.0.1' */
  readonly host?: string;
  /** The stage name, e.g. `local`; it appears in events and may prefix management paths. */
  readonly stage: string;
  /** The `$connect` REQUEST authorizer; it runs on `$connect` only. */
  readonly authorizer?: WsRoute;
  /** Keys: `$connect`, `$disconnect`, `$default` or action names. */
  readonly routes: ReadonlyMap<string, WsRoute>;
  /** @default 32 KiB (API Gateway's frame limit) */
  readonly maxFrameBytes?: number;
  /** @default 10 minutes (API Gateway closes idle connections) */
  readonly idleTimeoutMs?: number;
  /** @default 2 hours (API Gateway's maximum connection duration) */
  readonly maxConnectionMs?: number;
  /** One line per refusal or error; silent when absent. */
  readonly log?: LocalLog;
  /** False while the functions are still loading: upgrades are refused 503 with `Retry-After`. @default always ready */
  readonly ready?: () => boolean;
}

export interface WsGateway {
  /** `ws://host:port` (the stage path `/<stage>` is accepted too). */
  readonly url: string;
  /** `http://host:port`: the `endpoint` of an `ApiGatewayManagementApiClient`. */
  readonly managementEndpoint: string;
  readonly port: number;
  connectionCount(): number;
  /** Closes every socket (running `$disconnect` for each), waits for running invocations, closes the server. */
  close(): Promise<void>;
}

const DEFAULT_MAX_FRAME_BYTES = 32 * 1024;
const DEFAULT_IDLE_TIMEOUT_MS = 10 * 60_000;
const DEFAULT_MAX_CONNECTION_MS = 2 * 60 * 60_000;
/** API Gateway's message limit: the management API refuses larger posts, a larger inbound message closes with 1009. */
const MAX_MESSAGE_BYTES = 128 * 1024;
/** How long a server-initiated close handshake may take before the socket is destroyed. */
const CLOSE_HANDSHAKE_MS = 1_000;
const GOING_AWAY = 1001;

type AuthorizerContext = Readonly<Record<string, string>>;

/** What every event of a connection carries, known before the upgrade completes. */
interface ConnectionInfo {
  readonly id: string;
  readonly connectedAt: number;
  readonly sourceIp: string;
  readonly userAgent: string;
  readonly authorizer: AuthorizerContext | undefined;
}

interface Connection extends ConnectionInfo {
  readonly socket: WebSocket;
  lastActiveAt: number;
  /** Frames of one connection are handled one after the other, like API Gateway does. */
  chain: Promise<void>;
  idleTimer: NodeJS.Timeout | undefined;
  lifeTimer: NodeJS.Timeout | undefined;
  closeTimer: NodeJS.Timeout | undefined;
  /** The close the gateway itself started (reported to `$disconnect` instead of the echoed code). */
  serverClose: { code: number; reason: string } | undefined;
  disconnected: boolean;
  /** Settles when the socket is closed and `$disconnect` has been invoked. */
  readonly done: Promise<void>;
  finish: () => void;
}

/** Thrown by the upgrade steps to refuse a connection with an HTTP answer. */
class Refusal {
  constructor(
    readonly status: number,
    readonly body: string,
    readonly reason: string,
  ) {}
}

const ID_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** An opaque 16-character id shaped like API Gateway's (`L0SM9cOFvHcCIhw=`). */
function awsLikeId(): string {
  const bytes = randomBytes(15);
  let id = '';
  for (const byte of bytes) id += ID_ALPHABET[byte % ID_ALPHABET.length];
  return `${id}=`;
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** API Gateway's `requestTime` format: `21/Nov/2026:10:15:00 +0000`. */
function requestTime(epochMs: number): string {
  const d = new Date(epochMs);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${pad(d.getUTCDate())}/${MONTHS[d.getUTCMonth()]}/${d.getUTCFullYear()}:${pad(d.getUTCHours())}:${pad(
    d.getUTCMinutes(),
  )}:${pad(d.getUTCSeconds())} +0000`;
}

function jsonMessage(message: string | null): string {
  return JSON.stringify({ message });
}

/** Single- and multi-value maps the way API Gateway builds them: the single-value map keeps the last value. */
function multiValueMaps(pairs: Iterable<[string, string]>): {
  single: Record<string, string>;
  multi: Record<string, string[]>;
} {
  // Keys are the client's: without a prototype, `__proto__`, `constructor` or `toString` are plain keys.
  const single: Record<string, string> = Object.create(null);
  const multi: Record<string, string[]> = Object.create(null);
  for (const [key, value] of pairs) {
    single[key] = value;
    const list = multi[key];
    if (list) list.push(value);
    else multi[key] = [value];
  }
  return { single, multi };
}

/** Header pairs in the case the client sent them, as API Gateway passes them on (Node lower-cases `headers`). */
function rawHeaderPairs(req: IncomingMessage): [string, string][] {
  const pairs: [string, string][] = [];
  for (let i = 0; i + 1 < req.rawHeaders.length; i += 2) {
    pairs.push([req.rawHeaders[i] ?? '', req.rawHeaders[i + 1] ?? '']);
  }
  return pairs;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** IAM-style wildcard match (`*` any run, `?` one character), used for policy Action and Resource. */
function globMatches(pattern: string, value: string): boolean {
  const source = pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${source}$`, 'i').test(value);
}

function anyMatches(patterns: unknown, value: string): boolean {
  const list = Array.isArray(patterns) ? patterns : [patterns];
  return list.some((p) => typeof p === 'string' && globMatches(p, value));
}

type PolicyVerdict =
  | { readonly kind: 'allow'; readonly authorizer: AuthorizerContext }
  | { readonly kind: 'deny' }
  | { readonly kind: 'invalid'; readonly why: string };

/**
 * Evaluates a REQUEST authorizer's answer like API Gateway: an explicit Deny wins, an Allow must cover
 * `execute-api:Invoke` on the method ARN. Context values must be flat; API Gateway hands them to integrations as
 * strings, so numbers and booleans are stringified here too (a handler expecting a number would break in AWS).
 */
function evaluatePolicy(result: unknown, methodArn: string): PolicyVerdict {
  if (!isRecord(result)) return { kind: 'invalid', why: 'the authorizer returned no object' };
  const { principalId, policyDocument, context } = result;
  if (typeof principalId !== 'string') return { kind: 'invalid', why: 'principalId is not a string' };
  if (!isRecord(policyDocument)) return { kind: 'invalid', why: 'policyDocument is missing' };
  const raw = policyDocument.Statement;
  const statements = Array.isArray(raw) ? raw : [raw];
  let allowed = false;
  for (const statement of statements) {
    if (!isRecord(statement)) return { kind: 'invalid', why: 'a policy statement is not an object' };
    const applies = anyMatches(statement.Action, 'execute-api:Invoke') && anyMatches(statement.Resource, methodArn);
    if (!applies) continue;
    if (statement.Effect === 'Deny') return { kind: 'deny' };
    if (statement.Effect === 'Allow') allowed = true;
  }
  if (!allowed) return { kind: 'deny' };
  const authorizer: Record<string, string> = { principalId };
  if (context !== undefined && context !== null) {
    if (!isRecord(context)) return { kind: 'invalid', why: 'context is not an object' };
    for (const [key, value] of Object.entries(context)) {
      if (typeof value === 'string') authorizer[key] = value;
      else if (typeof value === 'number' || typeof value === 'boolean') authorizer[key] = String(value);
      else if (value !== undefined && value !== null)
        return { kind: 'invalid', why: `context.${key} is not a string, number or boolean` };
    }
  }
  return { kind: 'allow', authorizer };
}

function statusOf(result: unknown): number | undefined {
  if (!isRecord(result) || result.statusCode === undefined) return undefined;
  const status = Number(result.statusCode);
  return Number.isInteger(status) ? status : 500;
}

function headerOf(result: unknown, name: string): string | undefined {
  if (!isRecord(result) || !isRecord(result.headers)) return undefined;
  for (const [key, value] of Object.entries(result.headers)) {
    if (key.toLowerCase() === name && typeof value === 'string') return value;
  }
  return undefined;
}

/** Answers an upgrade request with a plain HTTP response and closes the socket. */
function refuseUpgrade(socket: Duplex, status: number, body: string): void {
  if (socket.destroyed) return;
  const text = STATUS_CODES[status] ?? 'Error';
  const retry = status === 503 ? 'Retry-After: 1\r\n' : '';
  socket.once('finish', () => socket.destroy());
  socket.end(
    `HTTP/1.1 ${status} ${text}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n` +
      `${retry}Connection: close\r\n\r\n${body}`,
  );
}

function rawDataToBuffer(data: RawData): Buffer {
  if (Buffer.isBuffer(data)) return data;
  if (Array.isArray(data)) return Buffer.concat(data);
  return Buffer.from(data);
}

function stripIpv4Mapping(address: string | undefined): string {
  if (!address) return '';
  return address.startsWith('::ffff:') ? address.slice(7) : address;
}

/** `/@connections/{id}` or `/<stage>/@connections/{id}` → the decoded id; undefined for any other path. */
function managementConnectionId(url: string, stage: string): string | undefined {
  const query = url.indexOf('?');
  let path = query === -1 ? url : url.slice(0, query);
  const stagePrefix = `/${stage}/`;
  if (path.startsWith(stagePrefix)) path = path.slice(stagePrefix.length - 1);
  const prefix = '/@connections/';
  if (!path.startsWith(prefix)) return undefined;
  const encoded = path.slice(prefix.length);
  if (encoded.length === 0 || encoded.includes('/')) return undefined;
  try {
    return decodeURIComponent(encoded);
  } catch {
    return undefined;
  }
}

export function startWsGateway(options: WsGatewayOptions): Promise<WsGateway> {
  const host = options.host ?? '127.0.0.1';
  const { stage, routes, authorizer } = options;
  const maxFrameBytes = options.maxFrameBytes ?? DEFAULT_MAX_FRAME_BYTES;
  const idleTimeoutMs = options.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS;
  const maxConnectionMs = options.maxConnectionMs ?? DEFAULT_MAX_CONNECTION_MS;
  const log: LocalLog = options.log ?? (() => undefined);
  const apiId = awsLikeId().slice(0, 10).toLowerCase();

  const connections = new Map<string, Connection>();
  /** Every running invocation and pending upgrade, so that close() can wait for them. */
  const inflight = new Set<Promise<unknown>>();
  let closing = false;
  let closed: Promise<void> | undefined;
  let domainName = host;

  const track = <T>(promise: Promise<T>): Promise<T> => {
    inflight.add(promise);
    const forget = () => inflight.delete(promise);
    promise.then(forget, forget);
    return promise;
  };

  // Sub-protocol chosen by the $connect integration's response header, handed to ws's handshake.
  const chosenProtocol = new WeakMap<IncomingMessage, string>();
  const wss = new WebSocketServer({
    noServer: true,
    clientTracking: false,
    perMessageDeflate: false,
    // Frames above maxFrameBytes get an error frame from us; only messages above API Gateway's 128 KB limit make ws
    // close the connection (1009), as API Gateway does.
    maxPayload: Math.max(maxFrameBytes, MAX_MESSAGE_BYTES) + 1,
    // API Gateway only answers a sub-protocol when the $connect integration returns Sec-WebSocket-Protocol.
    handleProtocols: (_protocols, req) => chosenProtocol.get(req) ?? false,
  });

  // The @connections API is an emulator (SigV4 required, not verified): this machine only. Upgrades are not requests.
  const server = createServer((req, res) => handleManagement(req, res));
  guardEmulator(server);
  // Longer than the SDK's idle keep-alive reuse, so that a reused socket is not closed under a request.
  server.keepAliveTimeout = 60_000;
  server.headersTimeout = 65_000;
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    // A client that vanishes while the authorizer runs must not crash the process.
    socket.on('error', () => undefined);
    void track(handleUpgrade(req, socket, head));
  });

  function baseContext(conn: ConnectionInfo) {
    const now = Date.now();
    const requestId = awsLikeId();
    return {
      messageDirection: 'IN' as const,
      extendedRequestId: requestId,
      requestTime: requestTime(now),
      requestTimeEpoch: now,
      requestId,
      stage,
      domainName,
      apiId,
      connectionId: conn.id,
      connectedAt: conn.connectedAt,
      identity: { sourceIp: conn.sourceIp, userAgent: conn.userAgent },
      ...(conn.authorizer === undefined ? {} : { authorizer: conn.authorizer }),
    };
  }

  async function handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    const connectedAt = Date.now();
    const sourceIp = stripIpv4Mapping(req.socket.remoteAddress);
    const userAgent = req.headers['user-agent'] ?? '';
    const id = newConnectionId();
    let authorizerContext: AuthorizerContext | undefined;
    let connectSucceeded = false;
    try {
      if (closing) throw new Refusal(503, jsonMessage('Service Unavailable'), 'the gateway is closing');
      if (options.ready && !options.ready())
        throw new Refusal(503, jsonMessage('Service Unavailable'), 'the runtime is starting');
      const url = requestTarget(req);
      if (!url) throw new Refusal(400, jsonMessage('Bad Request'), 'the request target is not a URL');
      const path = url.pathname.replace(/\/+$/, '');
      if (path !== '' && path !== `/${stage}`) throw new Refusal(404, jsonMessage('Not Found'), `no stage at ${path}`);
      // Refuse what ws's handshake would refuse before any integration runs.
      const key = req.headers['sec-websocket-key'];
      const version = req.headers['sec-websocket-version'];
      if (
        req.method !== 'GET' ||
        req.headers.upgrade?.toLowerCase() !== 'websocket' ||
        typeof key !== 'string' ||
        !/^[+/0-9A-Za-z]{22}==$/.test(key) ||
        (version !== '13' && version !== '8')
      ) {
        throw new Refusal(400, jsonMessage('Bad Request'), 'not a valid WebSocket handshake');
      }

      const headers = multiValueMaps(rawHeaderPairs(req));
      const query = multiValueMaps(url.searchParams.entries());
      const hasQuery = Object.keys(query.single).length > 0;
      const requestParts = {
        headers: headers.single,
        multiValueHeaders: headers.multi,
        ...(hasQuery ? { queryStringParameters: query.single, multiValueQueryStringParameters: query.multi } : {}),
      };

      if (authorizer) {
        authorizerContext = await authorize(authorizer, requestParts, query.single.token, {
          id,
          connectedAt,
          sourceIp,
          userAgent,
        });
      }

      const connectRoute = routes.get('$connect');
      let connectResult: unknown;
      if (connectRoute) {
        const event = {
          ...requestParts,
          requestContext: {
            routeKey: '$connect',
            eventType: 'CONNECT',
            ...baseContext({ id, connectedAt, sourceIp, userAgent, authorizer: authorizerContext }),
          },
          isBase64Encoded: false,
        };
        try {
          connectResult = await invoke(connectRoute.name, connectRoute.handler, event);
        } catch (error) {
          throw new Refusal(500, jsonMessage('Internal server error'), `$connect threw: ${String(error)}`);
        }
        const status = statusOf(connectResult) ?? 200;
        if (status < 200 || status > 299) {
          const body = isRecord(connectResult) && typeof connectResult.body === 'string' ? connectResult.body : '';
          throw new Refusal(
            status,
            body || jsonMessage(STATUS_CODES[status] ?? 'Error'),
            `$connect returned ${status}`,
          );
        }
      }
      connectSucceeded = true;
      if (closing) throw new Refusal(503, jsonMessage('Service Unavailable'), 'the gateway is closing');
      if (socket.destroyed) throw new Refusal(400, '', 'the client went away during $connect');

      const protocol = headerOf(connectResult, 'sec-websocket-protocol');
      if (protocol !== undefined) chosenProtocol.set(req, protocol);
      const registered = await new Promise<boolean>((resolve) => {
        // ws answers a failed handshake itself, or destroys a socket the client already left, and then never calls
        // back: the socket's close settles the wait instead.
        socket.once('close', () => resolve(false));
        wss.handleUpgrade(req, socket, head, (ws) => {
          register(ws, { id, connectedAt, sourceIp, userAgent, authorizer: authorizerContext });
          resolve(true);
        });
      });
      if (!registered) throw new Refusal(400, '', 'the handshake failed after $connect');
    } catch (error) {
      if (!(error instanceof Refusal)) {
        log('error', 'WebSocket upgrade failed', { connectionId: id, error: String(error) });
        refuseUpgrade(socket, 500, jsonMessage('Internal server error'));
        return;
      }
      log(error.status >= 500 ? 'error' : 'warn', 'WebSocket connection refused', {
        connectionId: id,
        status: error.status,
        reason: error.reason,
      });
      refuseUpgrade(socket, error.status, error.body);
      // $connect's side effects (a stored connection) must be undone, as API Gateway would after a lost client.
      if (connectSucceeded) {
        await runDisconnect(
          { id, connectedAt, sourceIp, userAgent, authorizer: authorizerContext },
          1006,
          error.reason,
        );
      }
    }
  }

  async function authorize(
    route: WsRoute,
    requestParts: Record<string, unknown>,
    token: string | undefined,
    conn: Omit<ConnectionInfo, 'authorizer'>,
  ): Promise<AuthorizerContext> {
    // Identity source route.request.querystring.token: API Gateway refuses without calling the authorizer.
    if (token === undefined || token === '') {
      throw new Refusal(401, jsonMessage('Unauthorized'), 'identity source token is missing');
    }
    const methodArn = `arn:aws:execute-api:local:${LOCAL_ACCOUNT}:${apiId}/${stage}/$connect`;
    const event = {
      type: 'REQUEST',
      methodArn,
      ...requestParts,
      stageVariables: {},
      requestContext: {
        routeKey: '$connect',
        eventType: 'CONNECT',
        ...baseContext({ ...conn, authorizer: undefined }),
      },
    };
    let result: unknown;
    try {
      result = await invoke(route.name, route.handler, event);
    } catch (error) {
      if (error instanceof Error && error.message === 'Unauthorized') {
        throw new Refusal(401, jsonMessage('Unauthorized'), 'the authorizer answered Unauthorized');
      }
      throw new Refusal(500, jsonMessage(null), `the authorizer threw: ${String(error)}`);
    }
    const verdict = evaluatePolicy(result, methodArn);
    if (verdict.kind === 'allow') return verdict.authorizer;
    const reason = verdict.kind === 'deny' ? 'the authorizer policy denies $connect' : verdict.why;
    throw new Refusal(403, jsonMessage('Forbidden'), reason);
  }

  function newConnectionId(): string {
    let id = awsLikeId();
    while (connections.has(id)) id = awsLikeId();
    return id;
  }

  function register(socket: WebSocket, info: ConnectionInfo): void {
    let finish: () => void = () => undefined;
    const done = new Promise<void>((resolve) => {
      finish = resolve;
    });
    const conn: Connection = {
      ...info,
      socket,
      lastActiveAt: info.connectedAt,
      chain: Promise.resolve(),
      idleTimer: undefined,
      lifeTimer: undefined,
      closeTimer: undefined,
      serverClose: undefined,
      disconnected: false,
      done,
      finish,
    };
    connections.set(conn.id, conn);
    conn.idleTimer = setTimeout(() => closeByServer(conn, GOING_AWAY, 'Going away'), idleTimeoutMs).unref();
    conn.lifeTimer = setTimeout(() => closeByServer(conn, GOING_AWAY, 'Going away'), maxConnectionMs).unref();

    socket.on('message', (data: RawData) => {
      conn.lastActiveAt = Date.now();
      conn.idleTimer?.refresh();
      const bytes = rawDataToBuffer(data);
      conn.chain = track(
        conn.chain
          .then(() => handleFrame(conn, bytes))
          .catch((error: unknown) =>
            log('error', 'Frame handling failed', { connectionId: conn.id, error: String(error) }),
          ),
      );
    });
    socket.on('error', (error: Error) => {
      log('warn', 'WebSocket error', { connectionId: conn.id, error: error.message });
    });
    socket.on('close', (code: number, reason: Buffer) => {
      connections.delete(conn.id);
      clearTimeout(conn.idleTimer);
      clearTimeout(conn.lifeTimer);
      clearTimeout(conn.closeTimer);
      const status = conn.serverClose?.code ?? code;
      const text = conn.serverClose?.reason ?? reason.toString('utf8');
      void track(runDisconnectOnce(conn, status, text)).finally(conn.finish);
    });
  }

  /** A close the gateway starts (idle, lifetime, DELETE, shutdown); the socket is destroyed if the peer is silent. */
  function closeByServer(conn: Connection, code: number, reason: string): void {
    if (conn.serverClose) return;
    conn.serverClose = { code, reason };
    conn.socket.close(code, reason);
    conn.closeTimer = setTimeout(() => conn.socket.terminate(), CLOSE_HANDSHAKE_MS).unref();
  }

  async function runDisconnectOnce(conn: Connection, code: number, reason: string): Promise<void> {
    if (conn.disconnected) return;
    conn.disconnected = true;
    await runDisconnect(conn, code, reason);
  }

  async function runDisconnect(conn: ConnectionInfo, code: number, reason: string): Promise<void> {
    const route = routes.get('$disconnect');
    if (!route) return;
    const event = {
      headers: { Host: domainName },
      multiValueHeaders: { Host: [domainName] },
      requestContext: {
        routeKey: '$disconnect',
        eventType: 'DISCONNECT',
        disconnectStatusCode: code,
        disconnectReason: reason,
        ...baseContext(conn),
      },
      isBase64Encoded: false,
    };
    try {
      await invoke(route.name, route.handler, event);
    } catch (error) {
      log('error', '$disconnect failed', { connectionId: conn.id, error: String(error) });
    }
  }

  function sendIfOpen(conn: Connection, data: string | Buffer): void {
    if (conn.socket.readyState === WebSocket.OPEN) conn.socket.send(data, { binary: false });
  }

  async function handleFrame(conn: Connection, bytes: Buffer): Promise<void> {
    if (bytes.length > maxFrameBytes) {
      log('warn', 'Frame too large', { connectionId: conn.id, bytes: bytes.length, maxFrameBytes });
      sendIfOpen(
        conn,
        JSON.stringify({
          type: 'error',
          code: 'FRAME_TOO_LARGE',
          message: `Frames are limited to ${maxFrameBytes} bytes; this one has ${bytes.length}`,
        }),
      );
      return;
    }
    // Binary frames are handed over as the text of their bytes (a binary route would get base64; none exists).
    const body = bytes.toString('utf8');
    let action: unknown;
    try {
      const parsed: unknown = JSON.parse(body);
      if (isRecord(parsed)) action = parsed.action;
    } catch {
      // Not JSON: $request.body.action does not resolve, so API Gateway falls back to $default.
    }
    const routeKey = typeof action === 'string' && !action.startsWith('$') && routes.has(action) ? action : '$default';
    const context = baseContext(conn);
    const route = routes.get(routeKey);
    if (!route) {
      log('warn', 'No route for frame', { connectionId: conn.id, action: typeof action === 'string' ? action : null });
      sendIfOpen(
        conn,
        JSON.stringify({
          type: 'error',
          code: 'NO_ROUTE',
          message: `No route matches action ${JSON.stringify(action ?? null)} and there is no $default route`,
          connectionId: conn.id,
          requestId: context.requestId,
        }),
      );
      return;
    }
    const event = {
      body,
      isBase64Encoded: false,
      requestContext: { routeKey, eventType: 'MESSAGE', messageId: awsLikeId(), ...context },
    };
    let result: unknown;
    try {
      result = await invoke(route.name, route.handler, event);
    } catch (error) {
      log('error', 'Route integration failed', { connectionId: conn.id, routeKey, error: String(error) });
      sendIfOpen(
        conn,
        JSON.stringify({ message: 'Internal server error', connectionId: conn.id, requestId: context.requestId }),
      );
      return;
    }
    // Two-way routes: the integration's body is the route response.
    if (isRecord(result) && typeof result.body === 'string') sendIfOpen(conn, result.body);
  }

  function answer(res: ServerResponse, status: number, errorType?: string, payload?: unknown): void {
    res.setHeader('x-amzn-requestid', randomUUID());
    sendJson(res, status, payload, errorType);
  }

  function handleManagement(req: IncomingMessage, res: ServerResponse): void {
    const id = managementConnectionId(req.url ?? '/', stage);
    const method = req.method ?? 'GET';
    if (id === undefined || (method !== 'POST' && method !== 'GET' && method !== 'DELETE')) {
      req.resume();
      answer(res, 404, 'NotFoundException', { message: 'Not Found' });
      return;
    }
    // IAM auth stands in for SigV4: a signature is required, not verified (local credentials are dummies).
    if (!req.headers.authorization) {
      req.resume();
      log('warn', 'Management call without authorization', { method, connectionId: id });
      answer(res, 403, 'ForbiddenException', { message: 'Missing Authentication Token' });
      return;
    }
    if (method === 'POST') {
      readBody(req, MAX_MESSAGE_BYTES).then(
        (data) => {
          if (data === undefined) {
            log('warn', 'PostToConnection payload too large', { connectionId: id });
            answer(res, 413, 'PayloadTooLargeException', { message: `Message exceeds ${MAX_MESSAGE_BYTES} bytes` });
            return;
          }
          const conn = connections.get(id);
          if (!conn || conn.socket.readyState !== WebSocket.OPEN) {
            answer(res, 410, 'GoneException', { message: null });
            return;
          }
          conn.socket.send(data, { binary: false });
          answer(res, 200);
        },
        // The caller went away mid-body: there is no one left to answer.
        () => undefined,
      );
      return;
    }
    req.resume();
    const conn = connections.get(id);
    if (!conn || conn.socket.readyState !== WebSocket.OPEN) {
      answer(res, 410, 'GoneException', { message: null });
      return;
    }
    if (method === 'GET') {
      answer(
        res,
        200,
        undefined,
        // The wire names are camelCase (the SDK maps them to ConnectedAt, Identity, LastActiveAt).
        {
          connectedAt: new Date(conn.connectedAt).toISOString(),
          identity: { sourceIp: conn.sourceIp, userAgent: conn.userAgent },
          lastActiveAt: new Date(conn.lastActiveAt).toISOString(),
        },
      );
      return;
    }
    closeByServer(conn, 1000, '');
    answer(res, 204);
  }

  async function close(): Promise<void> {
    closing = true;
    const open = [...connections.values()];
    for (const conn of open) closeByServer(conn, GOING_AWAY, 'Going away');
    await Promise.all(open.map((conn) => conn.done));
    // Invocations may start others' work (a $disconnect posting to peers): wait until nothing runs.
    while (inflight.size > 0) await Promise.allSettled([...inflight]);
    await closeServer(server);
    wss.close();
  }

  return listen(server, options.port, host).then((port) => {
    const authority = `${host.includes(':') ? `[${host}]` : host}:${port}`;
    domainName = authority;
    return {
      url: `ws://${authority}`,
      managementEndpoint: `http://${authority}`,
      port,
      connectionCount: () => connections.size,
      close: () => {
        closed ??= close();
        return closed;
      },
    };
  });
}
