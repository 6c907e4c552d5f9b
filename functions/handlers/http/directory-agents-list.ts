import { directoryRepository } from '#composition/messaging.ts';
import { agentView } from '#domain/directory-admin.ts';
import { pageQuerySchema } from '#domain/message-schemas.ts';
import { authedRoute } from '#shared/http.ts';

const directory = directoryRepository();

/** GET /directory/agents?cursor=&limit= — the tenant's agents in id order (supervisors pick recipients here). */
export const handler = authedRoute(
  { roles: ['supervisor', 'admin'], action: 'list agents', query: pageQuerySchema },
  async ({ principal, query }) => {
    const page = await directory.listAgents(principal.tenant, query);
    return { body: { agents: page.items.map(agentView), cursor: page.cursor ?? null } };
  },
);
