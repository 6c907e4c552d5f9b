import { inboxQuerySchema, inboxReading } from '#composition/messaging.ts';
import { authedRoute } from '#shared/http.ts';
import { touchActivity } from '#shared/status-runtime.ts';

const inbox = inboxReading();

/**
 * GET /inbox?q=&cursor=&limit= — a page of the caller's messages since the last cleardown, newest first; `q` filters
 * case-insensitively.
 */
export const handler = authedRoute(
  { roles: ['agent', 'supervisor', 'admin'], action: 'read their inbox', query: inboxQuerySchema },
  async ({ principal, query }) => {
    // A REST call is a sign of life too (auto-Offline).
    await touchActivity(principal);
    return { body: await inbox.today(principal, query) };
  },
);
