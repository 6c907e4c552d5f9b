import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { ChangeStart, ChangeStartReader, SyncTarget, SyncTargetReader } from '#domain/status-ports.ts';
import { claimKey, claimTenant, configKey, toConnectConfig } from './connect-binding-repository.ts';
import { agentsPk, agentSk as profileSk, toProfile } from './directory-repository.ts';
import { getItems } from './dynamo-batched-get.ts';
import { agentSk, statusPk } from './status-keys.ts';
import { toStatus } from './status-store.ts';

const profileKey = (tenant: string, agent: string) => ({ pk: agentsPk(tenant), sk: profileSk(agent) });

/**
 * A status change's record, profile and Connect binding in one consistent BatchGetItem (they live on one table, in
 * the status, directory and binding adapters' item layouts): one request instead of three in a row. The binding is
 * read consistently in the same request as before on its own, so a binding or a release counts from the next change.
 */
export class DynamoChangeStartReader implements ChangeStartReader {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  async read(tenant: string, agent: string, want: { profile: boolean; instance: boolean }): Promise<ChangeStart> {
    const keys = [
      { pk: statusPk(tenant), sk: agentSk(agent) },
      ...(want.profile ? [profileKey(tenant, agent)] : []),
      ...(want.instance ? [configKey(tenant)] : []),
    ];
    const [record, ...rest] = await getItems(this.client, this.table, keys);
    const profile = want.profile ? rest.shift() : undefined;
    const config = want.instance ? rest.shift() : undefined;
    return {
      current: record ? toStatus(record) : undefined,
      ...(want.profile ? { profile: profile ? toProfile(profile) : undefined } : {}),
      ...(want.instance ? { instanceArn: config ? toConnectConfig(config).instanceArn : undefined } : {}),
    };
  }
}

/**
 * The Connect worker's three checks of an item (profile, the tenant's binding, the instance's claim) in one read, or
 * those of a whole batch of items.
 */
export class DynamoSyncTargetReader implements SyncTargetReader {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  async read(tenant: string, agent: string, instanceArn: string): Promise<SyncTarget> {
    const [target] = await this.readMany(instanceArn, [{ tenant, agent }]);
    return target ?? {};
  }

  /** A batch's checks: ≤ 25 items are ≤ 51 distinct keys (profiles, the tenants' bindings, one claim), one request. */
  async readMany(instanceArn: string, items: ReadonlyArray<{ tenant: string; agent: string }>): Promise<SyncTarget[]> {
    const [claim, ...rest] = await getItems(this.client, this.table, [
      claimKey(instanceArn),
      ...items.flatMap(({ tenant, agent }) => [profileKey(tenant, agent), configKey(tenant)]),
    ]);
    const owner = claimTenant(claim);
    return items.map((_, n) => {
      const profile = rest[2 * n];
      const config = rest[2 * n + 1];
      return {
        profile: profile ? toProfile(profile) : undefined,
        config: config ? toConnectConfig(config) : undefined,
        owner,
      };
    });
  }
}
