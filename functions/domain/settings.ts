import type { SettingsPatch, TenantSettings } from '#shared/settings-schema.ts';

export type { SettingsPatch, TenantSettings };

/** Where the tenant settings document lives. */
export interface SettingsRepository {
  /** The stored document merged over the defaults (a tenant that never saved settings gets the defaults). */
  get(tenant: string): Promise<TenantSettings>;
  /** Applies a partial update atomically (optimistic concurrency on a version) and returns the new document. */
  update(tenant: string, patch: SettingsPatch, updatedBy: string): Promise<TenantSettings>;
}
