import { randomBytes } from 'node:crypto';
import { type IncomingMessage, STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import type { RawData, WebSocket } from 'ws';

/**
 * The shapes API Gateway WebSocket APIs put on the wire and in events (ids, request times, header and query maps,
 * integration answers), and the local gateway's connection records. Pure helpers of lib/local/ws-gateway.ts.
 */

/** API Gateway's message limit: the management API refuses larger posts, a larger inbound message closes with 1009. */
export const MAX_MESSAGE_BYTES = 128 * 1024;

export type AuthorizerContext = Readonly<Record<string, string>>;

/** What every event of a connection carries, known before the upgrade completes. */
export interface ConnectionInfo {
  readonly id: string;
  readonly connectedAt: number;
  readonly sourceIp: string;
  readonly userAgent: string;
  readonly authorizer: AuthorizerContext | undefined;
}

export interface Connection extends ConnectionInfo {
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
export class Refusal {
  constructor(
    readonly status: number,
    readonly body: string,
    readonly reason: string,
  ) {}
}

export const ID_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

const ID_BYTES = 15;
/**
 * Random bytes for ids, drawn in blocks: every frame takes two ids (request and message id), and a `randomBytes`
 * call per id costs more than the id itself. The bytes are as random; the pool is only refilled less often.
 */
let idPool = Buffer.alloc(0);
let idPoolAt = 0;

/** An opaque 16-character id shaped like API Gateway's (`L0SM9cOFvHcCIhw=`). */
export function awsLikeId(): string {
  if (idPoolAt + ID_BYTES > idPool.length) {
    idPool = randomBytes(ID_BYTES * 256);
    idPoolAt = 0;
  }
  let id = '';
  for (let i = idPoolAt; i < idPoolAt + ID_BYTES; i++) id += ID_ALPHABET[(idPool[i] as number) % ID_ALPHABET.length];
  idPoolAt += ID_BYTES;
  return `${id}=`;
}

export const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** API Gateway's `requestTime` format: `21/Nov/2026:10:15:00 +0000`. */
export function requestTime(epochMs: number): string {
  const d = new Date(epochMs);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${pad(d.getUTCDate())}/${MONTHS[d.getUTCMonth()]}/${d.getUTCFullYear()}:${pad(d.getUTCHours())}:${pad(
    d.getUTCMinutes(),
  )}:${pad(d.getUTCSeconds())} +0000`;
}

export function jsonMessage(message: string | null): string {
  return JSON.stringify({ message });
}

/** Single- and multi-value maps the way API Gateway builds them: the single-value map keeps the last value. */
export function multiValueMaps(pairs: Iterable<[string, string]>): {
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
export function rawHeaderPairs(req: IncomingMessage): [string, string][] {
  const pairs: [string, string][] = [];
  for (let i = 0; i + 1 < req.rawHeaders.length; i += 2) {
    pairs.push([req.rawHeaders[i] ?? '', req.rawHeaders[i + 1] ?? '']);
  }
  return pairs;
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function statusOf(result: unknown): number | undefined {
  if (!isRecord(result) || result.statusCode === undefined) return undefined;
  const status = Number(result.statusCode);
  return Number.isInteger(status) ? status : 500;
}

export function headerOf(result: unknown, name: string): string | undefined {
  if (!isRecord(result) || !isRecord(result.headers)) return undefined;
  for (const [key, value] of Object.entries(result.headers)) {
    if (key.toLowerCase() === name && typeof value === 'string') return value;
  }
  return undefined;
}

/** Answers an upgrade request with a plain HTTP response and closes the socket. */
export function refuseUpgrade(socket: Duplex, status: number, body: string): void {
  if (socket.destroyed) return;
  const text = STATUS_CODES[status] ?? 'Error';
  const retry = status === 503 ? 'Retry-After: 1\r\n' : '';
  socket.once('finish', () => socket.destroy());
  socket.end(
    `HTTP/1.1 ${status} ${text}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n` +
      `${retry}Connection: close\r\n\r\n${body}`,
  );
}

export function rawDataToBuffer(data: RawData): Buffer {
  if (Buffer.isBuffer(data)) return data;
  if (Array.isArray(data)) return Buffer.concat(data);
  return Buffer.from(data);
}

export function stripIpv4Mapping(address: string | undefined): string {
  if (!address) return '';
  return address.startsWith('::ffff:') ? address.slice(7) : address;
}
