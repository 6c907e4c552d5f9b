import { ROLES } from '#domain/principal.ts';
import { BUILT_IN_LABELS, MANUAL_STATUSES, reasonCode } from '#domain/status.ts';
import { authedRoute } from '#shared/http.ts';
import { reasonStore } from '#shared/status-runtime.ts';

/** GET /status/reasons — the statuses a person may choose: the defaults and the tenant's reasons (retired flagged). */
export const handler = authedRoute({ roles: ROLES, action: 'read statuses' }, async ({ principal }) => {
  const reasons = await reasonStore().list(principal.tenant);
  return {
    body: {
      defaults: MANUAL_STATUSES.map((code) => ({ code, label: BUILT_IN_LABELS[code] })),
      reasons: reasons
        .filter((r) => principal.role === 'admin' || !r.retired)
        .map((r) => ({ code: reasonCode(r.id), ...r })),
    },
  };
});
