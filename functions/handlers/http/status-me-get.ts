import { agentStatusQuery, signOfLife, statusViewsQuery } from '#composition/status.ts';
import { authedRoute } from '#shared/http.ts';

const agentStatus = agentStatusQuery();
const statusViews = statusViewsQuery();

/** GET /me/status — the calling agent's own status (what a reconnecting console restores). */
export const handler = authedRoute(
  { roles: ['agent'], action: 'read their status', touch: signOfLife },
  async ({ principal }) => {
    const record = await agentStatus(principal, principal.user);
    const [view] = await statusViews(principal.tenant, [record]);
    return { body: view };
  },
);
