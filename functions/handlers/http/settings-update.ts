import { settingsPatchSchema, tenantSettings } from '#composition/settings.ts';
import { authedRoute } from '#shared/http.ts';

const settings = tenantSettings();

/** PATCH /settings — admins change some fields of some sections; the whole document is re-validated. */
export const handler = authedRoute(
  { roles: ['admin'], action: 'change tenant settings', body: settingsPatchSchema },
  async ({ principal, body }) => ({ body: await settings.update(principal.tenant, body, principal.user) }),
);
