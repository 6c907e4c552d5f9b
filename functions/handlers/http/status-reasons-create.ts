import { randomUUID } from 'node:crypto';
import { reasonCode } from '#domain/status.ts';
import { createReason } from '#domain/status-admin.ts';
import { createReasonBodySchema } from '#domain/status-schemas.ts';
import { authedRoute } from '#shared/http.ts';
import { reasonStore } from '#shared/status-runtime.ts';

/** POST /status/reasons {name, needsApproval?, connectAgentStatusId?} — admins add a reason (≤ 50 active). */
export const handler = authedRoute(
  { roles: ['admin'], action: 'manage inactivity reasons', body: createReasonBodySchema },
  async ({ principal, body }) => {
    const reason = await createReason({ reasons: reasonStore(), newId: randomUUID }, principal, body);
    return { statusCode: 201, body: { code: reasonCode(reason.id), ...reason } };
  },
);
