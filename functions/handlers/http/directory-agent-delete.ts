import { agentParamsSchema, deleteAgent } from '#composition/directory.ts';
import { authedRoute } from '#shared/http.ts';

const remove = deleteAgent();

/** DELETE /directory/agents/{agentId} — removes the agent and its memberships; 204 whether or not it existed. */
export const handler = authedRoute(
  { roles: ['admin'], action: 'edit the agent directory', params: agentParamsSchema },
  async ({ principal, params }) => {
    await remove(principal, params.agentId);
    return { statusCode: 204 };
  },
);
