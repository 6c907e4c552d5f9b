import { authedRoute } from '#shared/http.ts';
import { settingsRepository } from '#shared/runtime.ts';
import { settingsPatchSchema } from '#shared/settings-schema.ts';

const settings = settingsRepository();

/** PATCH /settings — admins change some fields of some sections; the whole document is re-validated. */
export const handler = authedRoute(
  { roles: ['admin'], action: 'change tenant settings', body: settingsPatchSchema },
  async ({ principal, body }) => ({ body: await settings.update(principal.tenant, body, principal.user) }),
);
