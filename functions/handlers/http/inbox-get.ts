import { inboxQuerySchema, inboxReading } from '#composition/messaging.ts';
import { signOfLife } from '#composition/status.ts';
import { authedRoute } from '#shared/http.ts';

const inbox = inboxReading();

/**
 * GET /inbox?q=&cursor=&limit= — a page of the caller's messages since the last cleardown, newest first; `q` filters
 * case-insensitively.
 */
export const handler = authedRoute(
  { roles: ['agent', 'supervisor', 'admin'], action: 'read their inbox', query: inboxQuerySchema, touch: signOfLife },
  async ({ principal, query }) => {
    return { body: await inbox.today(principal, query) };
  },
);
