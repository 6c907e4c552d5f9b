import { statusView } from '#domain/status.ts';
import { agentParamsSchema, setStatusBodySchema } from '#domain/status-schemas.ts';
import { supervisorSetStatus } from '#domain/status-service.ts';
import { authedRoute } from '#shared/http.ts';
import { reasonStore, statusChangeDeps } from '#shared/status-runtime.ts';

const deps = statusChangeDeps();

/** PUT /agents/{id}/status {status} — a supervisor changes an agent's status (409 AGENT_OFFLINE when Offline). */
export const handler = authedRoute(
  {
    roles: ['supervisor', 'admin'],
    action: "change agents' statuses",
    params: agentParamsSchema,
    body: setStatusBodySchema,
  },
  async ({ principal, params, body }) => {
    const record = await supervisorSetStatus(deps, principal, params.id, body.status);
    return { body: statusView(record, await reasonStore().list(principal.tenant)) };
  },
);
