import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, GetCommand, TransactWriteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { ConflictError } from '#domain/errors.ts';
import type { ConnectBindingStore, ConnectConfig } from '#domain/status-ports.ts';

/**
 * Connect instance ↔ tenant, both ways, kept consistent by transactions:
 *
 *   CONNECT#<instanceArn>   TENANT    the claim: which tenant the instance's agent events and API calls belong to
 *   T#<t>#REASONS           CONNECT   the tenant's instance (set by an operator) and status map (set by its admin)
 *
 * Reads are consistent and uncached: the consumer reads once per batch, a status change once, the sync worker once
 * per item, so a binding (or a release) is in force from the next of each.
 */
export const claimKey = (instanceArn: string) => ({ pk: `CONNECT#${instanceArn}`, sk: 'TENANT' });
export const configKey = (tenant: string) => ({ pk: `T#${tenant}#REASONS`, sk: 'CONNECT' });

/** A tenant's Connect configuration item, field by field. */
export function toConnectConfig(item: Record<string, unknown>): ConnectConfig {
  return {
    ...(typeof item.instanceArn === 'string' ? { instanceArn: item.instanceArn } : {}),
    statusMap: (item.statusMap as Record<string, string> | undefined) ?? {},
  };
}

/** The tenant an instance's claim item names. */
export const claimTenant = (item: Record<string, unknown> | undefined) =>
  typeof item?.tenant === 'string' ? item.tenant : undefined;

export class DynamoConnectBindingStore implements ConnectBindingStore {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  async connectConfig(tenant: string): Promise<ConnectConfig | undefined> {
    const out = await this.client.send(
      new GetCommand({ TableName: this.table, Key: configKey(tenant), ConsistentRead: true }),
    );
    return out.Item ? toConnectConfig(out.Item) : undefined;
  }

  async putStatusMap(tenant: string, statusMap: Readonly<Record<string, string>>): Promise<void> {
    await this.client.send(
      new UpdateCommand({
        TableName: this.table,
        Key: configKey(tenant),
        UpdateExpression: 'SET statusMap = :m, kind = :k, #tenant = :t',
        ExpressionAttributeNames: { '#tenant': 'tenant' },
        ExpressionAttributeValues: { ':m': statusMap, ':k': 'connect-config', ':t': tenant },
      }),
    );
  }

  async bind(tenant: string, instanceArn: string): Promise<{ previous?: string }> {
    const previous = (await this.connectConfig(tenant))?.instanceArn;
    const release = previous && previous !== instanceArn ? previous : undefined;
    try {
      await this.client.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              // One instance, one tenant: a claim of another tenant cancels the whole binding.
              Put: {
                TableName: this.table,
                Item: { ...claimKey(instanceArn), kind: 'connect-instance', tenant, instanceArn },
                ConditionExpression: 'attribute_not_exists(pk) OR tenant = :t',
                ExpressionAttributeValues: { ':t': tenant },
              },
            },
            ...(release
              ? [
                  {
                    Delete: {
                      TableName: this.table,
                      Key: claimKey(release),
                      ConditionExpression: 'attribute_not_exists(pk) OR tenant = :t',
                      ExpressionAttributeValues: { ':t': tenant },
                    },
                  },
                ]
              : []),
            {
              // Guards against a concurrent (re)binding of the same tenant: the one that read first loses.
              Update: {
                TableName: this.table,
                Key: configKey(tenant),
                UpdateExpression:
                  'SET instanceArn = :i, kind = :k, #tenant = :t, statusMap = if_not_exists(statusMap, :m)',
                ConditionExpression: previous ? 'instanceArn = :p' : 'attribute_not_exists(instanceArn)',
                ExpressionAttributeNames: { '#tenant': 'tenant' },
                ExpressionAttributeValues: {
                  ':i': instanceArn,
                  ':k': 'connect-config',
                  ':t': tenant,
                  ':m': {},
                  ...(previous ? { ':p': previous } : {}),
                },
              },
            },
          ],
        }),
      );
    } catch (error) {
      if (!(error instanceof TransactionCanceledException)) throw error;
      const [claim] = error.CancellationReasons ?? [];
      if (claim?.Code === 'ConditionalCheckFailed')
        throw new ConflictError('This Connect instance is bound to another tenant', 'INSTANCE_TAKEN', { instanceArn });
      throw new ConflictError("The tenant's binding changed meanwhile; read it again and retry", 'BINDING_CONFLICT');
    }
    return release ? { previous: release } : {};
  }

  async unbind(tenant: string): Promise<{ previous?: string }> {
    const previous = (await this.connectConfig(tenant))?.instanceArn;
    if (!previous) return {};
    try {
      await this.client.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Delete: {
                TableName: this.table,
                Key: claimKey(previous),
                ConditionExpression: 'attribute_not_exists(pk) OR tenant = :t',
                ExpressionAttributeValues: { ':t': tenant },
              },
            },
            {
              Update: {
                TableName: this.table,
                Key: configKey(tenant),
                UpdateExpression: 'REMOVE instanceArn',
                ConditionExpression: 'instanceArn = :p',
                ExpressionAttributeValues: { ':p': previous },
              },
            },
          ],
        }),
      );
    } catch (error) {
      if (!(error instanceof TransactionCanceledException)) throw error;
      throw new ConflictError("The tenant's binding changed meanwhile; read it again and retry", 'BINDING_CONFLICT');
    }
    return { previous };
  }

  async tenantForInstance(instanceArn: string): Promise<string | undefined> {
    const out = await this.client.send(
      new GetCommand({ TableName: this.table, Key: claimKey(instanceArn), ConsistentRead: true }),
    );
    return claimTenant(out.Item);
  }
}
