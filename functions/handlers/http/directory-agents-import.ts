import { directoryRepository } from '#composition/messaging.ts';
import { importAgents } from '#domain/directory-admin.ts';
import { importBodySchema } from '#domain/message-schemas.ts';
import { authedRoute } from '#shared/http.ts';

const directory = directoryRepository();

/** POST /directory/agents/import {agents:[…≤1000]} — bulk create-or-replace (BatchWrite, unprocessed items retried). */
export const handler = authedRoute(
  { roles: ['admin'], action: 'import agents', body: importBodySchema },
  async ({ principal, body }) => ({ body: await importAgents({ directory }, principal, body.agents) }),
);
