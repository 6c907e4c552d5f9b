import type { Clock } from './clock.ts';
import { epochSeconds } from './clock.ts';
import type { Principal, Role } from './principal.ts';

/** API Gateway closes a WebSocket after 2 hours at the latest; records outlive that by a margin, then TTL removes them. */
export const CONNECTION_MAX_LIFETIME_MS = 2 * 60 * 60 * 1000;
const RECORD_MARGIN_MS = 10 * 60 * 1000;

/** One open WebSocket of a user. A user may hold several (two tabs, a reconnect racing a stale socket). */
export interface ConnectionRecord {
  readonly tenant: string;
  readonly user: string;
  readonly role: Role;
  readonly connectionId: string;
  /** ISO 8601. */
  readonly connectedAt: string;
  /**
   * Epoch seconds after which nothing may be pushed to the connection: its token's `exp`, or the end of API Gateway's
   * 2-hour limit, whichever comes first.
   */
  readonly expiresAt: number;
}

export interface ConnectionRepository {
  put(record: ConnectionRecord): Promise<void>;
  /** Removes exactly this connection of this user; a missing record is not an error. */
  delete(tenant: string, user: string, connectionId: string): Promise<void>;
  /** The user's live connections (expired records filtered out). */
  listByUser(tenant: string, user: string): Promise<ConnectionRecord[]>;
  /** The live connections of many users at once (a fan-out looks them up in batches, not one request per user). */
  listByUsers(tenant: string, users: readonly string[]): Promise<ConnectionRecord[]>;
}

/** When a record connected at `connectedAtMs` is certainly stale, whatever its token: the item's TTL. */
export const connectionRecordTtl = (connectedAtMs: number): number =>
  epochSeconds(connectedAtMs + CONNECTION_MAX_LIFETIME_MS + RECORD_MARGIN_MS);

/**
 * Until when a connection (or a subscription it makes) may receive pushes: the token's expiry caps it, so a socket
 * never outlives the rights of the token it was opened with.
 */
export const connectionLiveUntil = (nowMs: number, tokenExpiresAt: number): number =>
  Math.min(tokenExpiresAt, connectionRecordTtl(nowMs));

export function newConnection(
  principal: Principal,
  connectionId: string,
  clock: Clock,
  tokenExpiresAt: number,
): ConnectionRecord {
  const now = clock.now();
  return {
    tenant: principal.tenant,
    user: principal.user,
    role: principal.role,
    connectionId,
    connectedAt: new Date(now).toISOString(),
    expiresAt: connectionLiveUntil(now, tokenExpiresAt),
  };
}

export async function registerConnection(
  deps: { readonly connections: ConnectionRepository; readonly clock: Clock },
  principal: Principal,
  connectionId: string,
  tokenExpiresAt: number,
): Promise<ConnectionRecord> {
  const record = newConnection(principal, connectionId, deps.clock, tokenExpiresAt);
  await deps.connections.put(record);
  return record;
}
