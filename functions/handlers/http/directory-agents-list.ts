import { listAgents, pageQuerySchema } from '#composition/directory.ts';
import { authedRoute } from '#shared/http.ts';

const list = listAgents();

/** GET /directory/agents?cursor=&limit= — the tenant's agents in id order (supervisors pick recipients here). */
export const handler = authedRoute(
  { roles: ['supervisor', 'admin'], action: 'list agents', query: pageQuerySchema },
  async ({ principal, query }) => ({ body: await list(principal, query) }),
);
