import { WebSocket } from 'ws';
import { invoke } from './lambda.ts';
import type { LocalLog } from './local-aws.ts';
import { awsLikeId, type Connection, type ConnectionInfo, isRecord } from './ws-api-shapes.ts';
import type { WsRoute } from './ws-gateway.ts';

/**
 * One inbound frame of the local WebSocket gateway: API Gateway's size limit, route selection on
 * `$request.body.action` (falling back to `$default`), the MESSAGE event, and the route response of two-way routes.
 */
export interface FrameRouting {
  readonly routes: ReadonlyMap<string, WsRoute>;
  readonly maxFrameBytes: number;
  readonly log: LocalLog;
  /** The request context every event of the connection carries (a fresh request id each time). */
  readonly context: (conn: ConnectionInfo) => { readonly requestId: string } & Record<string, unknown>;
}

export function sendIfOpen(conn: Connection, data: string | Buffer): void {
  if (conn.socket.readyState === WebSocket.OPEN) conn.socket.send(data, { binary: false });
}

export async function handleFrame(conn: Connection, bytes: Buffer, routing: FrameRouting): Promise<void> {
  const { routes, maxFrameBytes, log } = routing;
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
  const context = routing.context(conn);
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
