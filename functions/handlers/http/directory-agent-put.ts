import { agentBodySchema, agentParamsSchema, agentView, upsertAgent } from '#composition/directory.ts';
import { authedRoute } from '#shared/http.ts';

const upsert = upsertAgent();

/** PUT /directory/agents/{agentId} — creates (201) or replaces (200) an agent and its group memberships. */
export const handler = authedRoute(
  { roles: ['admin'], action: 'edit the agent directory', params: agentParamsSchema, body: agentBodySchema },
  async ({ principal, params, body }) => {
    const { agent, created } = await upsert(principal, params.agentId, body);
    return { statusCode: created ? 201 : 200, body: agentView(agent) };
  },
);
