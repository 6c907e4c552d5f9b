import { signOfLife } from '#composition/status.ts';
import { inboxQuerySchema } from '#domain/message-schemas.ts';
import { inboxToday } from '#domain/messages.ts';
import { ROLES } from '#domain/principal.ts';
import { authedRoute } from '#shared/http.ts';
import { inboxReadDeps } from '#shared/messaging-runtime.ts';

const deps = inboxReadDeps();

/**
 * GET /inbox?q=&cursor=&limit= — a page of the caller's messages since the last cleardown, newest first; `q` filters
 * case-insensitively.
 */
export const handler = authedRoute(
  { roles: ROLES, action: 'read their inbox', query: inboxQuerySchema, touch: signOfLife },
  async ({ principal, query }) => {
    return { body: await inboxToday(deps, principal, query) };
  },
);
