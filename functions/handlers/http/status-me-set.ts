import {
  requestFrame,
  setStatusBodySchema,
  signOfLife,
  statusCommands,
  statusViewsQuery,
} from '#composition/status.ts';
import { authedRoute } from '#shared/http.ts';

const { setOwn } = statusCommands();
const statusViews = statusViewsQuery();

/**
 * PUT /me/status {status} — an agent sets its own status: 200 with the status, or 202 with the approval request
 * when the reason needs a supervisor's approval.
 */
export const handler = authedRoute(
  { roles: ['agent'], action: 'set their own status', body: setStatusBodySchema, touch: signOfLife },
  async ({ principal, body }) => {
    const outcome = await setOwn(principal, body.status);
    if (outcome.kind === 'requested') return { statusCode: 202, body: requestFrame(outcome.request) };
    const [view] = await statusViews(principal.tenant, [outcome.record]);
    return { body: view };
  },
);
