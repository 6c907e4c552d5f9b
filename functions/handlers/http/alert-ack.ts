import { lifecycleDeps } from '#composition/alerts.ts';
import { acknowledgeAlert } from '#domain/alerts/lifecycle.ts';
import { alertView } from '#domain/alerts/model.ts';
import { alertParamsSchema } from '#domain/alerts/schemas.ts';
import { authedRoute } from '#shared/http.ts';

const deps = lifecycleDeps();

/** POST /me/alerts/{id}/ack — thumbs up: clears the alert at once, recorded Acknowledged (409 when already cleared). */
export const handler = authedRoute(
  { roles: ['agent'], action: 'acknowledge alerts', params: alertParamsSchema },
  async ({ principal, params }) => ({ body: alertView(await acknowledgeAlert(deps, principal, params.id)) }),
);
