import { sentQuerySchema } from '#domain/message-schemas.ts';
import { sentToday } from '#domain/messages.ts';
import { authedRoute } from '#shared/http.ts';
import { reportDeps } from '#shared/messaging-runtime.ts';

const deps = reportDeps();

/** GET /messages?cursor=&limit= — what the caller sent since the tenant's last cleardown, newest first (no `q`). */
export const handler = authedRoute(
  { roles: ['supervisor', 'admin'], action: 'list sent messages', query: sentQuerySchema },
  async ({ principal, query }) => ({ body: await sentToday(deps, principal, query) }),
);
