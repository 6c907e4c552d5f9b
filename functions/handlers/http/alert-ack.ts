import { acknowledgeAlert, alertParamsSchema, alertView } from '#composition/alerts-routes.ts';
import { authedRoute } from '#shared/http.ts';

const acknowledge = acknowledgeAlert();

/** POST /me/alerts/{id}/ack — thumbs up: clears the alert at once, recorded Acknowledged (409 when already cleared). */
export const handler = authedRoute(
  { roles: ['agent'], action: 'acknowledge alerts', params: alertParamsSchema },
  async ({ principal, params }) => ({ body: alertView(await acknowledge(principal, params.id)) }),
);
