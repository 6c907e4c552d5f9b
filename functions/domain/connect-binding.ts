import { BadRequestError, ForbiddenError } from './errors.ts';
import type { Principal } from './principal.ts';
import { requireRole } from './principal.ts';
import { isStatusCode } from './status.ts';
import type { ConnectBindingStore, ConnectConfig } from './status-ports.ts';

/**
 * Who may connect a tenant to Amazon Connect. The Connect instances a deployment serves are operator configuration
 * (CDK context `connectInstances`; IAM allows exactly those). Binding one of them to a tenant decides whose agents'
 * events it feeds and into whose contact centre that tenant's supervisors push statuses, so it is an operator's act —
 * a member of the Cognito group `operator`, which belongs to the deployment, not to any tenant — never a tenant
 * admin's claim. A tenant admin maps the tenant's statuses to the bound instance's agent statuses.
 */

/** Verified caller of an operator route: a member of the `operator` group (tenant claims play no part). */
export interface Operator {
  readonly user: string;
}

export const OPERATOR_GROUP = 'operator';

export function requireOperator(groups: readonly string[], user: string): Operator {
  if (!groups.includes(OPERATOR_GROUP))
    throw new ForbiddenError('Only an operator of the deployment may bind Connect instances', 'OPERATOR_ONLY');
  return { user };
}

export interface BindingDeps {
  readonly bindings: ConnectBindingStore;
  /** The instances the deployment serves (`CONNECT_INSTANCE_ARNS`). */
  readonly instances: readonly string[];
}

export interface BindingView {
  readonly tenant: string;
  readonly instanceArn: string | null;
  /** The instance the change released, if any. */
  readonly released?: string;
  readonly by: string;
}

export async function bindInstance(
  deps: BindingDeps,
  operator: Operator,
  tenant: string,
  instanceArn: string,
): Promise<BindingView> {
  if (!deps.instances.includes(instanceArn))
    throw new BadRequestError(
      'UNKNOWN_INSTANCE',
      'This deployment does not serve that Connect instance (CDK context connectInstances lists the ones it does)',
    );
  const { previous } = await deps.bindings.bind(tenant, instanceArn);
  return { tenant, instanceArn, ...(previous ? { released: previous } : {}), by: operator.user };
}

export async function unbindInstance(deps: BindingDeps, operator: Operator, tenant: string): Promise<BindingView> {
  const { previous } = await deps.bindings.unbind(tenant);
  return { tenant, instanceArn: null, ...(previous ? { released: previous } : {}), by: operator.user };
}

/** A tenant admin maps status codes to the Connect agent-status ids of the tenant's instance (for PutUserStatus). */
export async function setStatusMap(
  deps: { readonly bindings: ConnectBindingStore },
  principal: Principal,
  statusMap: Readonly<Record<string, string>>,
): Promise<ConnectConfig> {
  requireRole(principal, ['admin'], 'configure Amazon Connect');
  for (const code of Object.keys(statusMap))
    if (!isStatusCode(code)) throw new BadRequestError('UNKNOWN_STATUS', `statusMap names an unknown status "${code}"`);
  await deps.bindings.putStatusMap(principal.tenant, statusMap);
  const config = await deps.bindings.connectConfig(principal.tenant);
  return { ...(config?.instanceArn ? { instanceArn: config.instanceArn } : {}), statusMap };
}
