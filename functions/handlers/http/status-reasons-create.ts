import { createReasonBodySchema, reasonCommands, reasonView } from '#composition/status.ts';
import { authedRoute } from '#shared/http.ts';

const { create } = reasonCommands();

/** POST /status/reasons {name, needsApproval?, connectAgentStatusId?} — admins add a reason (≤ 50 active). */
export const handler = authedRoute(
  { roles: ['admin'], action: 'manage inactivity reasons', body: createReasonBodySchema },
  async ({ principal, body }) => ({ statusCode: 201, body: reasonView(await create(principal, body)) }),
);
