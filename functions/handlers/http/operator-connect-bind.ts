import * as z from 'zod';
import { bindInstanceBodySchema, instanceBindingCommands } from '#composition/status.ts';
import { operatorRoute } from '#shared/http.ts';
import { tenantIdSchema } from '#shared/schemas.ts';

const { bind } = instanceBindingCommands();

/**
 * PUT /operator/tenants/{tenant}/connect-instance {instanceArn} — an operator binds one of the deployment's Connect
 * instances to a tenant, releasing the tenant's previous one, in one transaction (409 INSTANCE_TAKEN when another
 * tenant holds it; 400 UNKNOWN_INSTANCE for an instance the deployment does not serve).
 */
export const handler = operatorRoute(
  { params: z.object({ tenant: tenantIdSchema }), body: bindInstanceBodySchema },
  async ({ operator, params, body }) => ({
    body: await bind(operator, params.tenant, body.instanceArn),
  }),
);
