import { reasonCommands, reasonParamsSchema, reasonView, updateReasonBodySchema } from '#composition/status.ts';
import { authedRoute } from '#shared/http.ts';

const { update } = reasonCommands();

/** PATCH /status/reasons/{id} {name?, needsApproval?, retired?, connectAgentStatusId?} — rename, retire, restore. */
export const handler = authedRoute(
  { roles: ['admin'], action: 'manage inactivity reasons', params: reasonParamsSchema, body: updateReasonBodySchema },
  async ({ principal, params, body }) => ({ body: reasonView(await update(principal, params.id, body)) }),
);
