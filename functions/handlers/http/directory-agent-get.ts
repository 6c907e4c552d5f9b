import { agentParamsSchema, agentView, getAgent } from '#composition/directory.ts';
import { authedRoute } from '#shared/http.ts';

const get = getAgent();

/** GET /directory/agents/{agentId} — one agent of the caller's tenant, or 404. */
export const handler = authedRoute(
  { roles: ['supervisor', 'admin'], action: 'read agents', params: agentParamsSchema },
  async ({ principal, params }) => ({ body: agentView(await get(principal, params.agentId)) }),
);
