import { Server as HttpServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Server as NetServer } from 'node:net';
import type { LocalLog } from './local-aws.ts';

/**
 * HTTP plumbing shared by the local emulators (Connect, Scheduler, Lambda API, the HTTP and WebSocket gateways,
 * Kinesis, DynamoDB): each speaks its own protocol, but reads bodies, answers JSON and listens the same way.
 */

/**
 * Reads a request body. With `maxBytes`, resolves undefined once the body is larger (by its Content-Length or by what
 * arrives); the rest is still read and dropped rather than the request destroyed, so that the caller's 413 reaches
 * the client instead of a reset connection. Rejects if the request fails or closes before its end.
 */
export function readBody(req: IncomingMessage): Promise<Buffer>;
export function readBody(req: IncomingMessage, maxBytes: number): Promise<Buffer | undefined>;
export function readBody(req: IncomingMessage, maxBytes = Number.POSITIVE_INFINITY): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length']);
    let tooLarge = Number.isFinite(declared) && declared > maxBytes;
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      if (tooLarge) return;
      size += chunk.length;
      if (size > maxBytes) {
        tooLarge = true;
        chunks.length = 0;
      } else chunks.push(chunk);
    });
    req.on('end', () => resolve(tooLarge ? undefined : Buffer.concat(chunks, size)));
    req.on('error', reject);
    // 'close' follows 'end' on a complete request (the promise is settled by then); before it, the client went away.
    req.on('close', () => reject(new Error('request closed before its body was read')));
  });
}

/**
 * Answers `payload` as JSON (an undefined payload is an empty body). `errorType` goes in `x-amzn-errortype`, where
 * the AWS SDK's JSON protocols look for the modelled exception to throw. Headers set on `res` beforehand are kept.
 */
export function sendJson(res: ServerResponse, status: number, payload?: unknown, errorType?: string): void {
  const text = payload === undefined ? '' : JSON.stringify(payload);
  res.statusCode = status;
  res.setHeader('content-type', 'application/json');
  res.setHeader('content-length', Buffer.byteLength(text));
  if (errorType) res.setHeader('x-amzn-errortype', errorType);
  res.end(text);
}

/** Listens on `port` (0: any free port) and resolves with the bound port; rejects if it cannot (EADDRINUSE). */
export async function listen(server: NetServer, port: number, host: string): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error(`listening on ${host}:${port} gave no port`);
  return address.port;
}

/**
 * Stops the server and resolves once it has closed. An HTTP server's connections are closed at once, keep-alive and
 * in-flight ones included, so that shutdown never waits for an idle SDK client. Closing a server that is already
 * closed is not an error: shutdown paths may run twice.
 */
export function closeServer(server: NetServer, cutConnections = true): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    server.close((err?: Error & { code?: string }) =>
      err && err.code !== 'ERR_SERVER_NOT_RUNNING' ? reject(err) : resolve(),
    );
    if (cutConnections && server instanceof HttpServer) server.closeAllConnections();
  });
}

/**
 * Stops the server, letting requests in flight finish for up to `graceMs` before every connection is closed: a client
 * that keeps a keep-alive connection busy (it would never go idle) cannot hold the close past that.
 */
export function closeServerGracefully(server: HttpServer, graceMs = 2_000): Promise<void> {
  const force = setTimeout(() => server.closeAllConnections(), graceMs);
  return closeServer(server, false).finally(() => clearTimeout(force));
}

/**
 * The path and query of a request. The base is fixed: the Host header is the client's to choose (`a b`, `[::1`,
 * `h:99999`) and must never decide whether a request can be parsed. Undefined for a target URL cannot read.
 */
export function requestTarget(req: IncomingMessage): URL | undefined {
  try {
    return new URL(req.url ?? '/', 'http://localhost');
  } catch {
    return undefined;
  }
}

/** `decodeURIComponent`, or undefined for malformed percent-encoding (`%`, `%zz`, `%C0%AF`, `%FF`). */
export function decodeComponent(value: string): string | undefined {
  try {
    return decodeURIComponent(value);
  } catch {
    return undefined;
  }
}

/** Thrown by `readJsonObject`: the caller answers it in its own API's error shape. */
export class BadJsonBody extends Error {}

/**
 * Reads a restJson1 request body: empty means `{}`; anything but a JSON object is a `BadJsonBody` with a message fit
 * for the caller.
 */
export async function readJsonObject(req: IncomingMessage): Promise<Record<string, unknown>> {
  const raw = (await readBody(req)).toString('utf8');
  if (raw.trim() === '') return {};
  let body: unknown;
  try {
    body = JSON.parse(raw);
  } catch {
    throw new BadJsonBody('request body is not JSON');
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new BadJsonBody('request body must be a JSON object');
  }
  return body as Record<string, unknown>;
}

/**
 * An error of an emulated restJson1 API (Scheduler, Connect): the SDK maps `type`, sent as `x-amzn-errortype`, to its
 * exception class.
 */
export class RestJsonError extends Error {
  constructor(
    readonly status: number,
    readonly type: string,
    message: string,
  ) {
    super(message);
  }
}

/**
 * Answers a failed restJson1 request: a RestJsonError as itself, anything else logged and answered as the service's
 * own 500 (`internalType`, e.g. `InternalServerException`).
 */
export function sendRestJsonError(res: ServerResponse, err: unknown, log: LocalLog, internalType: string): void {
  if (err instanceof RestJsonError) {
    sendJson(res, err.status, { Message: err.message }, err.type);
  } else {
    log('error', 'internal error', { error: String(err) });
    sendJson(res, 500, { Message: 'internal error' }, internalType);
  }
}
