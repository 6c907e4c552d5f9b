import { authedRoute } from '#shared/http.ts';
import { settingsRepository } from '#shared/runtime.ts';

const settings = settingsRepository();

/** GET /settings — the caller's tenant settings (admins and supervisors). */
export const handler = authedRoute(
  { roles: ['supervisor', 'admin'], action: 'read tenant settings' },
  async ({ principal }) => ({
    body: await settings.get(principal.tenant),
  }),
);
