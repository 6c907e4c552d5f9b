import { ROLES } from '#shared/auth.ts';
import { authedRoute } from '#shared/http.ts';

/** GET /me — who the verified token says the caller is. */
export const handler = authedRoute({ roles: ROLES, action: 'read their identity' }, async ({ principal }) => ({
  body: { tenant: principal.tenant, user: principal.user, role: principal.role, name: principal.name ?? null },
}));
