import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { WebSocket } from 'ws';
import { readBody, sendJson } from './http-util.ts';
import type { LocalLog } from './local-aws.ts';
import { type Connection, MAX_MESSAGE_BYTES } from './ws-api-shapes.ts';

/**
 * The `@connections` management API of the local WebSocket gateway (PostToConnection, GetConnection,
 * DeleteConnection), with API Gateway's answers: 410 Gone for a connection that is not open, 413 above the message
 * limit, 403 without a signature.
 */
export interface ManagementApiOptions {
  readonly stage: string;
  readonly connections: ReadonlyMap<string, Connection>;
  /** DeleteConnection: the gateway closes the socket (and runs `$disconnect`). */
  readonly closeByServer: (conn: Connection, code: number, reason: string) => void;
  readonly log: LocalLog;
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
function answer(res: ServerResponse, status: number, errorType?: string, payload?: unknown): void {
  res.setHeader('x-amzn-requestid', randomUUID());
  sendJson(res, status, payload, errorType);
}

export function managementApi(options: ManagementApiOptions): (req: IncomingMessage, res: ServerResponse) => void {
  const { stage, connections, closeByServer, log } = options;
  return function handleManagement(req: IncomingMessage, res: ServerResponse): void {
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
  };
}
