import { statusView } from '#domain/status.ts';
import { getAgentStatus } from '#domain/status-service.ts';
import { authedRoute } from '#shared/http.ts';
import { reasonStore, signOfLife, statusReadDeps } from '#shared/status-runtime.ts';

const deps = statusReadDeps();

/** GET /me/status — the calling agent's own status (what a reconnecting console restores). */
export const handler = authedRoute(
  { roles: ['agent'], action: 'read their status', touch: signOfLife },
  async ({ principal }) => {
    const record = await getAgentStatus(deps, principal, principal.user);
    return { body: statusView(record, await reasonStore().list(principal.tenant)) };
  },
);
