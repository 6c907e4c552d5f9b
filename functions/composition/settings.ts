import { settingsRepository } from './core.ts';
import { once } from './once.ts';

export { settingsPatchSchema } from '#domain/settings.ts';

/** GET and PATCH /settings: the tenant settings document, read or patched section by section (re-validated whole). */
export const tenantSettings = /*@__PURE__*/ once(() => {
  const repository = settingsRepository();
  return {
    get: (tenant: string) => repository.get(tenant),
    update: (...args: Parameters<typeof repository.update>) => repository.update(...args),
  };
});
