import { statusView } from '#domain/status.ts';
import { listAgents } from '#domain/status-list.ts';
import { listAgentsQuerySchema } from '#domain/status-schemas.ts';
import { authedRoute } from '#shared/http.ts';
import { reasonStore, statusReadDeps } from '#shared/status-runtime.ts';

const deps = statusReadDeps();

/** GET /status/agents?status=a,b&team=&queue=&cursor=&limit= — supervisors' list of agents and their statuses. */
export const handler = authedRoute(
  { roles: ['supervisor', 'admin'], action: 'list agent statuses', query: listAgentsQuerySchema },
  async ({ principal, query }) => {
    const page = await listAgents(deps, principal, {
      ...(query.status ? { statuses: query.status } : {}),
      ...(query.team ? { team: query.team } : {}),
      ...(query.queue ? { queue: query.queue } : {}),
      ...(query.cursor ? { cursor: query.cursor } : {}),
      limit: query.limit,
    });
    const reasons = await reasonStore().list(principal.tenant);
    return { body: { items: page.items.map((r) => statusView(r, reasons)), cursor: page.cursor ?? null } };
  },
);
