import { directoryRepository } from '#composition/messaging.ts';
import { deleteAgent } from '#domain/directory-admin.ts';
import { agentParamsSchema } from '#domain/message-schemas.ts';
import { authedRoute } from '#shared/http.ts';

const directory = directoryRepository();

/** DELETE /directory/agents/{agentId} — removes the agent and its memberships; 204 whether or not it existed. */
export const handler = authedRoute(
  { roles: ['admin'], action: 'edit the agent directory', params: agentParamsSchema },
  async ({ principal, params }) => {
    await deleteAgent({ directory }, principal, params.agentId);
    return { statusCode: 204 };
  },
);
