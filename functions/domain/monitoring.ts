import type { Clock } from './clock.ts';
import { connectionLiveUntil } from './connections.ts';
import type { DirectoryRepository } from './directory.ts';
import { NotFoundError } from './errors.ts';
import type { Principal } from './principal.ts';
import { requireRole } from './principal.ts';

/**
 * Live supervision: a supervisor's *connection* (not the user) subscribes to the tenant status feed or silently
 * monitors one agent. Subscriptions die with the connection: they carry its id and a TTL no longer than a WebSocket
 * can live — nor than the token the connection was opened with —, are removed on `$disconnect` and whenever a push to
 * the connection answers 410 Gone.
 */
export interface Subscription {
  readonly tenant: string;
  readonly connectionId: string;
  /** The supervisor or admin who subscribed. */
  readonly user: string;
  /** Set for a monitor subscription: the agent watched. */
  readonly agent?: string;
  /** Epoch seconds. */
  readonly expiresAt: number;
}

export interface SubscriptionStore {
  addFeed(sub: Subscription): Promise<void>;
  removeFeed(tenant: string, connectionId: string): Promise<void>;
  /** Live (not expired) feed subscriptions of a tenant. */
  feed(tenant: string): Promise<Subscription[]>;
  addMonitor(sub: Subscription & { readonly agent: string }): Promise<void>;
  removeMonitor(tenant: string, agent: string, connectionId: string): Promise<void>;
  /** Every live monitor subscription of a tenant (a small set: one Query serves all agents). */
  monitors(tenant: string): Promise<Subscription[]>;
  /** Removes every subscription of one connection (feed and monitors). */
  removeConnection(tenant: string, connectionId: string): Promise<void>;
}

const SUPERVISING_ROLES = ['supervisor', 'admin'] as const;

interface Deps {
  readonly subscriptions: SubscriptionStore;
  readonly clock: Clock;
}

export async function subscribeStatus(
  deps: Deps,
  principal: Principal,
  connectionId: string,
  tokenExpiresAt: number,
): Promise<void> {
  requireRole(principal, SUPERVISING_ROLES, 'subscribe to the status feed');
  await deps.subscriptions.addFeed({
    tenant: principal.tenant,
    connectionId,
    user: principal.user,
    expiresAt: connectionLiveUntil(deps.clock.now(), tokenExpiresAt),
  });
}

export async function unsubscribeStatus(deps: Deps, principal: Principal, connectionId: string): Promise<void> {
  requireRole(principal, SUPERVISING_ROLES, 'unsubscribe from the status feed');
  await deps.subscriptions.removeFeed(principal.tenant, connectionId);
}

/**
 * Silent monitoring is for agents only: the monitored user must be an agent of the caller's tenant directory. A
 * monitor sees everything pushed to the user — for a supervisor or an admin that would include the receipts and
 * message statuses only a sender may see —, so anyone else is 404, exactly like an id that does not exist.
 */
export async function startMonitor(
  deps: Deps & { readonly directory: Pick<DirectoryRepository, 'get'> },
  principal: Principal,
  connectionId: string,
  agent: string,
  tokenExpiresAt: number,
) {
  requireRole(principal, SUPERVISING_ROLES, 'monitor agents');
  if (!(await deps.directory.get(principal.tenant, agent)))
    throw new NotFoundError(`No agent ${agent} in this tenant's directory`, 'AGENT_NOT_FOUND');
  await deps.subscriptions.addMonitor({
    tenant: principal.tenant,
    connectionId,
    user: principal.user,
    agent,
    expiresAt: connectionLiveUntil(deps.clock.now(), tokenExpiresAt),
  });
}

export async function stopMonitor(deps: Deps, principal: Principal, connectionId: string, agent: string) {
  requireRole(principal, SUPERVISING_ROLES, 'monitor agents');
  await deps.subscriptions.removeMonitor(principal.tenant, agent, connectionId);
}

/**
 * For the `$disconnect` handler: drops the connection's subscriptions. Agents can never hold any, so their
 * disconnects cost nothing.
 */
export async function removeConnectionSubscriptions(
  deps: Pick<Deps, 'subscriptions'>,
  principal: Principal,
  connectionId: string,
): Promise<void> {
  if (principal.role === 'agent') return;
  await deps.subscriptions.removeConnection(principal.tenant, connectionId);
}
