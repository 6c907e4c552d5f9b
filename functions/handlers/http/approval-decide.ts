import { decisionBodySchema, requestParamsSchema } from '#domain/status-schemas.ts';
import { decideRequest, requestFrame } from '#domain/status-service.ts';
import { authedRoute } from '#shared/http.ts';
import { signOfLife, statusChangeDeps } from '#shared/status-runtime.ts';

const deps = statusChangeDeps();

/**
 * POST /status/requests/{id}/decision {decision:'accept'|'reject'} — the first supervisor wins; later ones get 409
 * REQUEST_ALREADY_DECIDED with `details.decidedBy`.
 */
export const handler = authedRoute(
  {
    roles: ['supervisor', 'admin'],
    action: 'decide status requests',
    params: requestParamsSchema,
    body: decisionBodySchema,
    touch: signOfLife,
  },
  async ({ principal, params, body }) => {
    const { request, applied } = await decideRequest(deps, principal, params.id, body.decision);
    return { body: { ...requestFrame(request), applied } };
  },
);
