import { statusView } from '#domain/status.ts';
import { statusCodeSchema } from '#domain/status-schemas.ts';
import { requestFrame, setOwnStatus } from '#domain/status-service.ts';
import { reasonStore, signOfLife, statusChangeDeps } from '#shared/status-runtime.ts';
import { frameSchema, wsAction } from '#shared/ws.ts';

const deps = statusChangeDeps();

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
    const outcome = await setOwnStatus(deps, principal, body.status);
    if (outcome.kind === 'requested') return requestFrame(outcome.request) as { type: string };
    return { type: 'status-set', status: statusView(outcome.record, await reasonStore().list(principal.tenant)) };
  },
);
