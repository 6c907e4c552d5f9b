import { reasonCode } from '#domain/status.ts';
import { updateReason } from '#domain/status-admin.ts';
import { reasonParamsSchema, updateReasonBodySchema } from '#domain/status-schemas.ts';
import { authedRoute } from '#shared/http.ts';
import { reasonStore } from '#shared/status-runtime.ts';

/** PATCH /status/reasons/{id} {name?, needsApproval?, retired?, connectAgentStatusId?} — rename, retire, restore. */
export const handler = authedRoute(
  { roles: ['admin'], action: 'manage inactivity reasons', params: reasonParamsSchema, body: updateReasonBodySchema },
  async ({ principal, params, body }) => {
    const reason = await updateReason({ reasons: reasonStore() }, principal, params.id, body);
    return { body: { code: reasonCode(reason.id), ...reason } };
  },
);
