import { lifecycleDeps } from '#composition/alerts.ts';
import { acknowledgeAlert } from '#domain/alerts/lifecycle.ts';
import { alertView } from '#domain/alerts/model.ts';
import { alertIdSchema } from '#domain/alerts/schemas.ts';
import { frameSchema, wsAction } from '#shared/ws.ts';

const deps = lifecycleDeps();

/** `{"action":"ackAlert","alertId"}` → `{"type":"alert-acknowledged","alert"}` (the widget's thumbs up). */
export const handler = wsAction(
  { roles: ['agent'], action: 'acknowledge alerts', body: frameSchema('ackAlert', { alertId: alertIdSchema }) },
  async ({ principal, body }) => ({
    type: 'alert-acknowledged',
    alert: alertView(await acknowledgeAlert(deps, principal, body.alertId)),
  }),
);
