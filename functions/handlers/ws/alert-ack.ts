import { acknowledgeAlert, alertIdSchema, alertView } from '#composition/alerts-routes.ts';
import { frameSchema, wsAction } from '#shared/ws.ts';

const acknowledge = acknowledgeAlert();

/** `{"action":"ackAlert","alertId"}` → `{"type":"alert-acknowledged","alert"}` (the widget's thumbs up). */
export const handler = wsAction(
  { roles: ['agent'], action: 'acknowledge alerts', body: frameSchema('ackAlert', { alertId: alertIdSchema }) },
  async ({ principal, body }) => ({
    type: 'alert-acknowledged',
    alert: alertView(await acknowledge(principal, body.alertId)),
  }),
);
