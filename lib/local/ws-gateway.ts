import { createServer, type IncomingMessage, STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import { type RawData, type WebSocket, WebSocketServer } from 'ws';
import { guardEmulator } from './emulator-guard.ts';
import { closeServer, listen, requestTarget } from './http-util.ts';
import { invoke, type LambdaHandler } from './lambda.ts';
import type { LocalLog } from './local-aws.ts';
import {
  type AuthorizerContext,
  awsLikeId,
  type Connection,
  type ConnectionInfo,
  headerOf,
  isRecord,
  jsonMessage,
  MAX_MESSAGE_BYTES,
  multiValueMaps,
  Refusal,
  rawDataToBuffer,
  rawHeaderPairs,
  refuseUpgrade,
  requestTime,
  statusOf,
  stripIpv4Mapping,
} from './ws-api-shapes.ts';
import { authorizeConnect } from './ws-authorizer.ts';
import { type FrameRouting, handleFrame } from './ws-frames.ts';
import { managementApi } from './ws-management.ts';

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
/** How long a server-initiated close handshake may take before the socket is destroyed. */
const CLOSE_HANDSHAKE_MS = 1_000;
const GOING_AWAY = 1001;
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
  const frameRouting: FrameRouting = { routes, maxFrameBytes, log, context: baseContext };
  const handleManagement = managementApi({ stage, connections, closeByServer, log });
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
        authorizerContext = await authorizeConnect(authorizer, requestParts, query.single.token, { apiId, stage }, () =>
          baseContext({ id, connectedAt, sourceIp, userAgent, authorizer: undefined }),
        );
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
          .then(() => handleFrame(conn, bytes, frameRouting))
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
