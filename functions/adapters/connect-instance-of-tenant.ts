import type { ConnectInstanceOfTenant } from '#domain/heartbeats.ts';
import type { ConnectBindingStore } from '#domain/status-ports.ts';
import { parseInstanceArn } from './connect-status-sync.ts';

/**
 * The Connect instance an operator bound to the tenant (the binding store, `PUT /operator/tenants/{t}/connect-instance`),
 * if it is one the deployment serves (`CONNECT_INSTANCE_ARNS`): an instance dropped from the configuration since the
 * binding gets no call and no callback (IAM would refuse the call anyway).
 */
export class BoundConnectInstance implements ConnectInstanceOfTenant {
  constructor(
    private readonly bindings: Pick<ConnectBindingStore, 'connectConfig'>,
    private readonly configuredArns: readonly string[],
  ) {}

  async get(tenant: string): Promise<{ instanceId: string; instanceArn: string } | undefined> {
    const bound = (await this.bindings.connectConfig(tenant))?.instanceArn;
    if (!bound || !this.configuredArns.includes(bound)) return undefined;
    return { instanceArn: bound, instanceId: parseInstanceArn(bound).instanceId };
  }
}
