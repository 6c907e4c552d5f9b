import * as z from 'zod';
import { instanceBindingCommands } from '#composition/status.ts';
import { operatorRoute } from '#shared/http.ts';
import { tenantIdSchema } from '#shared/schemas.ts';

const { unbind } = instanceBindingCommands();

/** DELETE /operator/tenants/{tenant}/connect-instance — an operator releases the tenant's Connect instance. */
export const handler = operatorRoute(
  { params: z.object({ tenant: tenantIdSchema }) },
  async ({ operator, params }) => ({
    body: await unbind(operator, params.tenant),
  }),
);
