import { requestFrame, signOfLife, statusCodeSchema, statusCommands, statusViewsQuery } from '#composition/status.ts';
import { frameSchema, wsAction } from '#shared/ws.ts';

const { setOwn } = statusCommands();
const statusViews = statusViewsQuery();

/**
 * `{"action":"setStatus","status":"away"}` → `{"type":"status-set", status:{…}}`, or for a reason that needs approval
 * `{"type":"status-request","requestId",…,"state":"pending"}` (the outcome arrives later as a pushed status-request).
 */
export const handler = wsAction(
  {
    roles: ['agent'],
    action: 'set their own status',
    body: frameSchema('setStatus', { status: statusCodeSchema }),
    touch: signOfLife,
  },
  async ({ principal, body }) => {
    const outcome = await setOwn(principal, body.status);
    if (outcome.kind === 'requested') return requestFrame(outcome.request) as { type: string };
    const [status] = await statusViews(principal.tenant, [outcome.record]);
    return { type: 'status-set', status };
  },
);
