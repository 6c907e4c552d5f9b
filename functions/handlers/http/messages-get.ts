import { messageParamsSchema, messageReports, pageQuerySchema } from '#composition/messaging.ts';
import { authedRoute } from '#shared/http.ts';

const reports = messageReports();

/** GET /messages/{id}?cursor=&limit= — status, delivered/read counts and one page of per-agent receipts. */
export const handler = authedRoute(
  {
    roles: ['supervisor', 'admin'],
    action: 'read message receipts',
    params: messageParamsSchema,
    query: pageQuerySchema,
  },
  async ({ principal, params, query }) => ({ body: await reports.report(principal, params.id, query) }),
);
