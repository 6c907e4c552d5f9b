import { myAlerts } from '#composition/alerts-routes.ts';
import { authedRoute } from '#shared/http.ts';

const alertsOf = myAlerts();

/** GET /me/alerts — the calling agent's alerts of the current session: `{sessionStart, active, history}`. */
export const handler = authedRoute({ roles: ['agent'], action: 'list their alerts' }, async ({ principal }) => ({
  body: await alertsOf(principal),
}));
