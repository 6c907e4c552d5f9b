import { directoryRepository } from '#composition/messaging.ts';
import { agentView, getAgent } from '#domain/directory-admin.ts';
import { agentParamsSchema } from '#domain/message-schemas.ts';
import { authedRoute } from '#shared/http.ts';

const directory = directoryRepository();

/** GET /directory/agents/{agentId} — one agent of the caller's tenant, or 404. */
export const handler = authedRoute(
  { roles: ['supervisor', 'admin'], action: 'read agents', params: agentParamsSchema },
  async ({ principal, params }) => ({ body: agentView(await getAgent({ directory }, principal, params.agentId)) }),
);
