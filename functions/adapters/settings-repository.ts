import { type DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { Clock } from '#domain/clock.ts';
import { ConflictError } from '#domain/errors.ts';
import {
  applySettingsPatch,
  type SettingsPatch,
  type SettingsRepository,
  settingsSchema,
  type TenantSettings,
} from '#domain/settings.ts';
import { isConditionFailure } from './dynamo.ts';

const key = (tenant: string) => ({ pk: `T#${tenant}`, sk: 'SETTINGS' });

/**
 * One item per tenant: `pk = T#<tenant>`, `sk = SETTINGS`, the document in `settings`, a `version` for optimistic
 * concurrency so that two admins saving at once cannot silently overwrite each other's sections.
 */
export class DynamoSettingsRepository implements SettingsRepository {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly table: string,
    private readonly clock: Clock,
  ) {}

  private async read(tenant: string): Promise<{ settings: TenantSettings; version: number }> {
    const out = await this.client.send(
      new GetCommand({ TableName: this.table, Key: key(tenant), ConsistentRead: true }),
    );
    const parsed = settingsSchema.safeParse(out.Item?.settings ?? {});
    // A document that no longer validates (a rule tightened since it was saved) falls back to defaults field by field
    // rather than breaking every request of the tenant.
    const settings = parsed.success ? parsed.data : settingsSchema.parse({});
    return { settings, version: Number(out.Item?.version ?? 0) };
  }

  async get(tenant: string): Promise<TenantSettings> {
    return (await this.read(tenant)).settings;
  }

  async update(tenant: string, patch: SettingsPatch, updatedBy: string): Promise<TenantSettings> {
    for (let attempt = 0; attempt < 3; attempt++) {
      const { settings, version } = await this.read(tenant);
      const next = applySettingsPatch(settings, patch);
      try {
        await this.client.send(
          new PutCommand({
            TableName: this.table,
            Item: {
              ...key(tenant),
              kind: 'settings',
              settings: next,
              version: version + 1,
              updatedBy,
              updatedAt: new Date(this.clock.now()).toISOString(),
            },
            ConditionExpression: 'attribute_not_exists(pk) OR version = :v',
            ExpressionAttributeValues: { ':v': version },
          }),
        );
        return next;
      } catch (error) {
        if (!isConditionFailure(error)) throw error;
      }
    }
    throw new ConflictError('The settings changed concurrently; read them again and retry', 'SETTINGS_CONFLICT');
  }
}
