import {
  ApiGatewayManagementApiClient,
  GoneException,
  PostToConnectionCommand,
} from '@aws-sdk/client-apigatewaymanagementapi';
import { mapLimit } from '#domain/concurrency.ts';
import type { ConnectionRecord, ConnectionRepository } from '#domain/connections.ts';
import type { Delivery, DeliveryReport, Notifier, ServerEvent } from '#domain/notifier.ts';
import { logger } from '#shared/powertools.ts';

/** Sends raw frames to connection ids; `gone` means the connection no longer exists (HTTP 410). */
export interface ConnectionGateway {
  post(connectionId: string, data: string): Promise<'sent' | 'gone'>;
}

export class ApiGatewayConnectionGateway implements ConnectionGateway {
  constructor(private readonly client: ApiGatewayManagementApiClient) {}

  static forEndpoint(endpoint: string): ApiGatewayConnectionGateway {
    return new ApiGatewayConnectionGateway(new ApiGatewayManagementApiClient({ endpoint }));
  }

  async post(connectionId: string, data: string): Promise<'sent' | 'gone'> {
    try {
      await this.client.send(new PostToConnectionCommand({ ConnectionId: connectionId, Data: data }));
      return 'sent';
    } catch (error) {
      if (
        error instanceof GoneException ||
        (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode === 410
      ) {
        return 'gone';
      }
      throw error;
    }
  }
}

/**
 * The one notifier every capability uses: finds a user's connections, posts with bounded concurrency, and deletes
 * exactly the connection that answered Gone (never the sender's, never all of the user's).
 */
export class ConnectionNotifier implements Notifier {
  constructor(
    private readonly connections: ConnectionRepository,
    private readonly gateway: ConnectionGateway,
    private readonly concurrency = 64,
  ) {}

  toUser(tenant: string, user: string, event: ServerEvent): Promise<DeliveryReport> {
    return this.toUsers(tenant, [user], event);
  }

  async toUsers(tenant: string, users: readonly string[], event: ServerEvent): Promise<DeliveryReport> {
    return this.toConnections(await this.connections.listByUsers(tenant, users), event);
  }

  async toEach(tenant: string, deliveries: readonly Delivery[]): Promise<DeliveryReport> {
    const data = new Map<string, string>();
    for (const d of deliveries) data.set(d.user, JSON.stringify(d.event));
    const records = await this.connections.listByUsers(tenant, [...data.keys()]);
    return this.post(records, (record) => data.get(record.user));
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
    let delivered = 0;
    let gone = 0;
    let failed = 0;
    const usersReached = new Set<string>();
    await mapLimit(records, this.concurrency, async (record) => {
      const data = dataFor(record);
      if (data === undefined) return;
      try {
        const outcome = await this.gateway.post(record.connectionId, data);
        if (outcome === 'sent') {
          delivered++;
          usersReached.add(record.user);
          return;
        }
        gone++;
        await this.connections.delete(record.tenant, record.user, record.connectionId);
      } catch (error) {
        failed++;
        logger.warn('Push failed', { connectionId: record.connectionId, user: record.user, error: error as Error });
      }
    });
    return { delivered, gone, failed, usersReached };
  }
}
