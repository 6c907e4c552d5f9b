import {
  decisionBodySchema,
  requestFrame,
  requestParamsSchema,
  signOfLife,
  statusCommands,
} from '#composition/status.ts';
import { authedRoute } from '#shared/http.ts';

const { decide } = statusCommands();

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
    const { request, applied } = await decide(principal, params.id, body.decision);
    return { body: { ...requestFrame(request), applied } };
  },
);
