import { agentAlertsDeps } from '#composition/alerts.ts';
import { myAlerts } from '#domain/alerts/lifecycle.ts';
import { authedRoute } from '#shared/http.ts';

const deps = agentAlertsDeps();

/** GET /me/alerts — the calling agent's alerts of the current session: `{sessionStart, active, history}`. */
export const handler = authedRoute({ roles: ['agent'], action: 'list their alerts' }, async ({ principal }) => ({
  body: await myAlerts(deps, principal),
}));
