import { importAgents, importBodySchema } from '#composition/directory.ts';
import { authedRoute } from '#shared/http.ts';

const importAll = importAgents();

/** POST /directory/agents/import {agents:[…≤1000]} — bulk create-or-replace (BatchWrite, unprocessed items retried). */
export const handler = authedRoute(
  { roles: ['admin'], action: 'import agents', body: importBodySchema },
  async ({ principal, body }) => ({ body: await importAll(principal, body.agents) }),
);
