import { statusView } from '#domain/status.ts';
import { setStatusBodySchema } from '#domain/status-schemas.ts';
import { requestFrame, setOwnStatus } from '#domain/status-service.ts';
import { authedRoute } from '#shared/http.ts';
import { reasonStore, signOfLife, statusChangeDeps } from '#shared/status-runtime.ts';

const deps = statusChangeDeps();

/**
 * PUT /me/status {status} — an agent sets its own status: 200 with the status, or 202 with the approval request
 * when the reason needs a supervisor's approval.
 */
export const handler = authedRoute(
  { roles: ['agent'], action: 'set their own status', body: setStatusBodySchema, touch: signOfLife },
  async ({ principal, body }) => {
    const outcome = await setOwnStatus(deps, principal, body.status);
    if (outcome.kind === 'requested') return { statusCode: 202, body: requestFrame(outcome.request) };
    return { body: statusView(outcome.record, await reasonStore().list(principal.tenant)) };
  },
);
