import { messageParamsSchema, pageQuerySchema } from '#domain/message-schemas.ts';
import { messageReport } from '#domain/messages.ts';
import { authedRoute } from '#shared/http.ts';
import { reportDeps } from '#shared/messaging-runtime.ts';

const deps = reportDeps();

/** GET /messages/{id}?cursor=&limit= — status, delivered/read counts and one page of per-agent receipts. */
export const handler = authedRoute(
  {
    roles: ['supervisor', 'admin'],
    action: 'read message receipts',
    params: messageParamsSchema,
    query: pageQuerySchema,
  },
  async ({ principal, params, query }) => ({ body: await messageReport(deps, principal, params.id, query) }),
);
