import { tenantSettings } from '#composition/settings.ts';
import { authedRoute } from '#shared/http.ts';

const settings = tenantSettings();

/** GET /settings — the caller's tenant settings (admins and supervisors). */
export const handler = authedRoute(
  { roles: ['supervisor', 'admin'], action: 'read tenant settings' },
  async ({ principal }) => ({
    body: await settings.get(principal.tenant),
  }),
);
