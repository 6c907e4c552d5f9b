import { messageReports, sentQuerySchema } from '#composition/messaging.ts';
import { authedRoute } from '#shared/http.ts';

const reports = messageReports();

/** GET /messages?cursor=&limit= — what the caller sent since the tenant's last cleardown, newest first (no `q`). */
export const handler = authedRoute(
  { roles: ['supervisor', 'admin'], action: 'list sent messages', query: sentQuerySchema },
  async ({ principal, query }) => ({ body: await reports.sentToday(principal, query) }),
);
