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
  async ({ principal, body, connectionId }) => {
    // This connection gets the change on the reply; the agent's other connections get it pushed.
    const outcome = await setOwn(principal, body.status, connectionId);
    if (outcome.kind === 'requested') return requestFrame(outcome.request) as { type: string };
    const [status] = await statusViews(principal.tenant, [outcome.record]);
    return { type: 'status-set', status };
  },
);
