import type { ConnectInstanceOfTenant } from '#domain/heartbeats.ts';
import type { ReasonStore } from '#domain/status-ports.ts';

/**
 * The Connect instance a tenant is bound to, if it is one the operator configured for this deployment. Today the
 * binding is the tenant's Connect config (`PUT /connect/instance`, the status repository) and the configured instance
 * is `CONNECT_INSTANCE_ARN`; this is the one place to rewire when bindings move to operator configuration.
 */
export class BoundConnectInstance implements ConnectInstanceOfTenant {
  constructor(
    private readonly configs: Pick<ReasonStore, 'connectConfig'>,
    private readonly configuredArns: readonly string[],
  ) {}

  async get(tenant: string): Promise<{ instanceId: string; instanceArn: string } | undefined> {
    const bound = await this.configs.connectConfig(tenant);
    if (!bound || !this.configuredArns.includes(bound.instanceArn)) return undefined;
    const instanceId = bound.instanceArn.split('instance/')[1];
    return instanceId ? { instanceArn: bound.instanceArn, instanceId } : undefined;
  }
}
