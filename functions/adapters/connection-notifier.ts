import { type Clock, systemClock } from '#domain/clock.ts';
import { mapLimit } from '#domain/concurrency.ts';
import type { ConnectionRecord, ConnectionRepository } from '#domain/connections.ts';
import type { Delivery, DeliveryReport, Notifier, ServerEvent } from '#domain/notifier.ts';
import { logger } from '#shared/powertools.ts';

/**
 * Sends raw frames to connection ids; `gone` means the connection no longer exists (HTTP 410). One implementation:
 * the keep-alive SigV4 client of connection-gateway-http.ts.
 */
export interface ConnectionGateway {
  post(connectionId: string, data: string): Promise<'sent' | 'gone'>;
}

/** Posts in flight at once per push, as many as the gateway keeps sockets open. */
export const PUSH_CONCURRENCY = 64;

/**
 * How long a connection may still be in its `$connect`: API Gateway's integration timeout (29 s) and a margin. The
 * `$connect` handler stores the connection before API Gateway completes the upgrade, and until then a post to it
 * answers 410 Gone — "not yet", not "gone". Deleting the record then would leave the socket, once open, without
 * pushes until the client reconnects (its sync after connecting has only what was written before it).
 */
export const CONNECT_PENDING_MS = 30_000;

export interface PushCounts {
  delivered: number;
  gone: number;
  failed: number;
}

/**
 * THE push loop: posts each target's frame (`dataFor` undefined: nothing for that target) with bounded concurrency.
 * A connection that answered Gone is handed to `onGone` (which deletes what points at it); a failed post — or a
 * failed `onGone` — is counted and handed to `onFailed`, never thrown, so one bad connection never stops the others.
 */
export async function pushToConnections<T extends { readonly connectionId: string }>(
  gateway: ConnectionGateway,
  targets: readonly T[],
  dataFor: (target: T) => string | undefined,
  hooks: {
    onSent?: (target: T) => void;
    onGone: (target: T) => Promise<void>;
    onFailed: (target: T, error: unknown) => void;
  },
  concurrency = PUSH_CONCURRENCY,
): Promise<PushCounts> {
  const counts: PushCounts = { delivered: 0, gone: 0, failed: 0 };
  await mapLimit(targets, concurrency, async (target) => {
    const data = dataFor(target);
    if (data === undefined) return;
    try {
      if ((await gateway.post(target.connectionId, data)) === 'sent') {
        counts.delivered++;
        hooks.onSent?.(target);
        return;
      }
      counts.gone++;
      await hooks.onGone(target);
    } catch (error) {
      counts.failed++;
      hooks.onFailed(target, error);
    }
  });
  return counts;
}

/**
 * The one notifier every capability uses: finds a user's connections, posts with bounded concurrency, and deletes
 * exactly the connection that answered Gone (never the sender's, never all of the user's) — unless it connected so
 * recently that its `$connect` may still be running (`CONNECT_PENDING_MS`): that one is only skipped.
 */
export class ConnectionNotifier implements Notifier {
  constructor(
    private readonly connections: ConnectionRepository,
    private readonly gateway: ConnectionGateway,
    private readonly concurrency = PUSH_CONCURRENCY,
    private readonly clock: Clock = systemClock,
  ) {}

  toUser(tenant: string, user: string, event: ServerEvent): Promise<DeliveryReport> {
    return this.toUsers(tenant, [user], event);
  }

  async toUsers(tenant: string, users: readonly string[], event: ServerEvent): Promise<DeliveryReport> {
    return this.toConnections(await this.connections.listByUsers(tenant, users), event);
  }

  async toEach(tenant: string, deliveries: readonly Delivery[]): Promise<DeliveryReport> {
    return (await this.prepareEach(tenant, deliveries))();
  }

  async prepareEach(tenant: string, deliveries: readonly Delivery[]): Promise<() => Promise<DeliveryReport>> {
    const data = new Map<string, { json: string; except: string | undefined }>();
    for (const d of deliveries) data.set(d.user, { json: JSON.stringify(d.event), except: d.exceptConnection });
    const records = await this.connections.listByUsers(tenant, [...data.keys()]);
    return () =>
      this.post(records, (record) => {
        const d = data.get(record.user);
        return d && d.except !== record.connectionId ? d.json : undefined;
      });
  }

  /** Posts one event to known connections (callers that already hold the records skip the lookup). */
  toConnections(records: readonly ConnectionRecord[], event: ServerEvent): Promise<DeliveryReport> {
    const data = JSON.stringify(event);
    return this.post(records, () => data);
  }

  private async post(
    records: readonly ConnectionRecord[],
    dataFor: (record: ConnectionRecord) => string | undefined,
  ): Promise<DeliveryReport> {
    const usersReached = new Set<string>();
    const counts = await pushToConnections(
      this.gateway,
      records,
      dataFor,
      {
        onSent: (record) => usersReached.add(record.user),
        onGone: async (record) => {
          if (this.clock.now() - Date.parse(record.connectedAt) < CONNECT_PENDING_MS) return;
          await this.connections.delete(record.tenant, record.user, record.connectionId);
        },
        onFailed: (record, error) =>
          logger.warn('Push failed', { connectionId: record.connectionId, user: record.user, error: error as Error }),
      },
      this.concurrency,
    );
    return { ...counts, usersReached };
  }
}
