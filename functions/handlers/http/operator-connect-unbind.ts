import * as z from 'zod';
import { unbindInstance } from '#domain/connect-binding.ts';
import { operatorRoute } from '#shared/http.ts';
import { tenantIdSchema } from '#shared/schemas.ts';
import { bindingStore, connectInstances } from '#shared/status-runtime.ts';

const deps = { bindings: bindingStore(), instances: connectInstances() };

/** DELETE /operator/tenants/{tenant}/connect-instance — an operator releases the tenant's Connect instance. */
export const handler = operatorRoute(
  { params: z.object({ tenant: tenantIdSchema }) },
  async ({ operator, params }) => ({
    body: await unbindInstance(deps, operator, params.tenant),
  }),
);
