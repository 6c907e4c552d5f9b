import { agentParamsSchema, setStatusBodySchema, statusCommands, statusViewsQuery } from '#composition/status.ts';
import { authedRoute } from '#shared/http.ts';

const { setAgent } = statusCommands();
const statusViews = statusViewsQuery();

/** PUT /agents/{id}/status {status} — a supervisor changes an agent's status (409 AGENT_OFFLINE when Offline). */
export const handler = authedRoute(
  {
    roles: ['supervisor', 'admin'],
    action: "change agents' statuses",
    params: agentParamsSchema,
    body: setStatusBodySchema,
  },
  async ({ principal, params, body }) => {
    const record = await setAgent(principal, params.id, body.status);
    const [view] = await statusViews(principal.tenant, [record]);
    return { body: view };
  },
);
