import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Http2ServerRequest, Http2ServerResponse } from 'node:http2';

/**
 * The AWS service emulators of the local runtime (Lambda Invoke, Scheduler, Connect, @connections, DynamoDB,
 * Kinesis) have no real authentication: SigV4 signatures are required at most, never verified, because the local
 * credentials are dummies. What makes that safe is who can reach them, so every emulator request must be:
 *
 * - from this machine: the peer is a loopback address (the runtime also listens on loopback only);
 * - addressed to this machine: the Host header is a loopback name or address, so that a web page that rebinds its own
 *   DNS name to 127.0.0.1 cannot reach an emulator as "same-origin";
 * - not sent by a browser on behalf of a web page: AWS SDKs never send `Origin` or `Sec-Fetch-Site`; browsers send
 *   `Sec-Fetch-Site` on every request and `Origin` on cross-origin ones. Only `Sec-Fetch-Site: none` (a URL typed in
 *   the address bar, e.g. Connect's `GET /_local/calls`) passes.
 *
 * The REST and WebSocket gateways are not emulators of a private AWS API but the product's public edge: browsers are
 * their clients, and the functions behind them verify tokens.
 */

type AnyRequest = IncomingMessage | Http2ServerRequest;

/** 127.0.0.0/8, ::1 and their IPv4-mapped IPv6 forms. */
export function isLoopbackAddress(address: string | undefined): boolean {
  if (address === undefined) return false;
  const v4 = address.startsWith('::ffff:') ? address.slice(7) : address;
  return v4 === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(v4);
}

/** `localhost`, `*.localhost`, a 127.x address or `[::1]`, with an optional port. */
export function isLoopbackHost(host: string): boolean {
  if (isLoopbackAddress(host)) return true;
  const name = /^\[([^\]]+)\](?::\d{1,5})?$/.exec(host)?.[1] ?? /^([^:[\]]+)(?::\d{1,5})?$/.exec(host)?.[1];
  if (name === undefined) return false;
  const lower = name.toLowerCase();
  return lower === 'localhost' || lower.endsWith('.localhost') || isLoopbackAddress(lower);
}

/** Why an emulator must refuse this request, or undefined when it may serve it. */
export function emulatorRefusal(req: AnyRequest): string | undefined {
  if (!isLoopbackAddress(req.socket?.remoteAddress)) return 'emulator endpoints serve this machine only';
  const host = req.headers[':authority'] ?? req.headers.host;
  if (typeof host === 'string' && !isLoopbackHost(host)) return 'emulator endpoints answer loopback host names only';
  if (req.headers.origin !== undefined) return 'emulator endpoints refuse cross-site (browser) requests';
  const site = req.headers['sec-fetch-site'];
  if (site !== undefined && site !== 'none') return 'emulator endpoints refuse cross-site (browser) requests';
  return undefined;
}

type RequestListener = (req: AnyRequest, res: ServerResponse | Http2ServerResponse) => void;
interface RequestEmitter {
  listeners(event: 'request'): unknown[];
  removeAllListeners(event: 'request'): unknown;
  on(event: 'request', listener: RequestListener): unknown;
}

/**
 * Puts `emulatorRefusal` in front of a server's request listeners (including third-party servers such as dynalite
 * and kinesalite, whose handlers are already attached): a refused request gets 403 with an AWS-style JSON error and
 * never reaches the emulator.
 */
export function guardEmulator(server: RequestEmitter): void {
  const inner = server.listeners('request') as RequestListener[];
  server.removeAllListeners('request');
  server.on('request', (req, res) => {
    const refusal = emulatorRefusal(req);
    if (refusal === undefined) {
      for (const listener of inner) listener.call(server, req, res);
      return;
    }
    req.resume();
    const body = JSON.stringify({ __type: 'AccessDeniedException', message: refusal });
    res.writeHead(403, {
      'content-type': 'application/json',
      'content-length': Buffer.byteLength(body),
      'x-amzn-errortype': 'AccessDeniedException',
    });
    res.end(body);
  });
}
