import { directoryRepository } from '#composition/messaging.ts';
import { agentView, upsertAgent } from '#domain/directory-admin.ts';
import { agentBodySchema, agentParamsSchema } from '#domain/message-schemas.ts';
import { authedRoute } from '#shared/http.ts';

const directory = directoryRepository();

/** PUT /directory/agents/{agentId} — creates (201) or replaces (200) an agent and its group memberships. */
export const handler = authedRoute(
  { roles: ['admin'], action: 'edit the agent directory', params: agentParamsSchema, body: agentBodySchema },
  async ({ principal, params, body }) => {
    const { agent, created } = await upsertAgent({ directory }, principal, params.agentId, body);
    return { statusCode: created ? 201 : 200, body: agentView(agent) };
  },
);
