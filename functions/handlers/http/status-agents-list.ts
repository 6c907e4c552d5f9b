import { agentListQuery, listAgentsQuerySchema, statusViewsQuery } from '#composition/status.ts';
import { authedRoute } from '#shared/http.ts';

const listAgents = agentListQuery();
const statusViews = statusViewsQuery();

/** GET /status/agents?status=a,b&team=&queue=&cursor=&limit= — supervisors' list of agents and their statuses. */
export const handler = authedRoute(
  { roles: ['supervisor', 'admin'], action: 'list agent statuses', query: listAgentsQuerySchema },
  async ({ principal, query }) => {
    const page = await listAgents(principal, {
      ...(query.status ? { statuses: query.status } : {}),
      ...(query.team ? { team: query.team } : {}),
      ...(query.queue ? { queue: query.queue } : {}),
      ...(query.cursor ? { cursor: query.cursor } : {}),
      limit: query.limit,
    });
    return { body: { items: await statusViews(principal.tenant, page.items), cursor: page.cursor ?? null } };
  },
);
