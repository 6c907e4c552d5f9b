import {
  type AgentEvent,
  type CustomStatusResolver,
  connectProfile,
  deriveStatus,
  eventVerdict,
  nextSeen,
  offeredContacts,
} from './agent-events.ts';
import type { DirectoryRepository } from './directory.ts';
import { type AgentStatus, offlineRecord, reasonCode, type StatusCode, visibleChange } from './status.ts';
import { iso } from './status-commit.ts';
import type { ConnectBindingStore, ConnectConfig, ReasonStore } from './status-ports.ts';
import { commitStatus, type StatusDeps } from './status-service.ts';

export interface AgentEventDeps extends StatusDeps {
  readonly directory: Pick<DirectoryRepository, 'syncFromConnect' | 'get'>;
  readonly connectConfig: Pick<ConnectBindingStore, 'tenantForInstance' | 'connectConfig'>;
}

/**
 * Instance → tenant lookups of one batch. Kept for that batch only: an instance that was unknown is asked again by the
 * next batch, so a fresh binding applies at once, and a released one stops at once.
 */
export type TenantLookups = Map<string, Promise<string | undefined>>;

export function tenantOf(deps: AgentEventDeps, lookups: TenantLookups, instanceArn: string) {
  let found = lookups.get(instanceArn);
  if (!found) {
    found = deps.connectConfig.tenantForInstance(instanceArn);
    lookups.set(instanceArn, found);
    found.catch(() => lookups.delete(instanceArn));
  }
  return found;
}

export type EventOutcome = 'applied' | 'unchanged' | 'duplicate' | 'stale' | 'unknown-instance';

/** Recognises Connect CUSTOM statuses the tenant mapped: by agent-status id first, then by name. */
export async function customResolver(deps: AgentEventDeps, tenant: string): Promise<CustomStatusResolver> {
  const [reasons, config] = await Promise.all([deps.reasons.list(tenant), deps.connectConfig.connectConfig(tenant)]);
  return resolverFrom(reasons, config);
}

export function resolverFrom(
  reasons: Awaited<ReturnType<ReasonStore['list']>>,
  config: ConnectConfig | undefined,
): CustomStatusResolver {
  const byId = new Map<string, StatusCode>();
  for (const [code, id] of Object.entries(config?.statusMap ?? {})) byId.set(id, code as StatusCode);
  for (const r of reasons) if (r.connectAgentStatusId) byId.set(r.connectAgentStatusId, reasonCode(r.id));
  const byName = new Map<string, StatusCode>();
  for (const r of reasons) if (!r.retired) byName.set(r.name.toLowerCase(), reasonCode(r.id));
  for (const builtIn of ['busy', 'away'] as const) byName.set(builtIn, builtIn);
  return ({ id, name }) => (id ? byId.get(id) : undefined) ?? (name ? byName.get(name.toLowerCase()) : undefined);
}

/**
 * Applies one Connect agent event. Costs no DynamoDB write when the event is a duplicate, older than the newest
 * applied one, or changes nothing visible (a HEART_BEAT): the decision is made on the record read beforehand
 * (`cache`, filled once per batch), and the conditional write only guards against a concurrent writer.
 */
export async function applyAgentEvent(
  deps: AgentEventDeps,
  event: AgentEvent,
  cache: Map<string, AgentStatus | undefined>,
  resolvers: Map<string, CustomStatusResolver> = new Map(),
  tenants: TenantLookups = new Map(),
): Promise<EventOutcome> {
  const tenant = await tenantOf(deps, tenants, event.InstanceARN);
  if (!tenant) return 'unknown-instance';
  const agent = event.CurrentAgentSnapshot.Configuration.Username;
  const key = `${tenant}\u0000${agent}`;
  const ts = Date.parse(event.EventTimestamp);
  const cached = cache.has(key) ? cache.get(key) : await deps.store.get(tenant, agent);
  const verdict = eventVerdict(cached, event.EventId, ts);
  if (verdict !== 'apply') return verdict;

  let resolve = resolvers.get(tenant);
  if (!resolve) {
    resolve = await customResolver(deps, tenant);
    resolvers.set(tenant, resolve);
  }
  const derived = deriveStatus(event, resolve);
  const profile = connectProfile(event);
  const profileFp = JSON.stringify(profile);
  const at = new Date(ts).toISOString();

  const build = (cur: AgentStatus): AgentStatus | undefined => {
    if (eventVerdict(cur, event.EventId, ts) !== 'apply') return undefined;
    const { currentContact: _c, nextStatus: _n, by: _b, team: _t, ...rest } = cur;
    const next: AgentStatus = {
      ...rest,
      status: derived.status,
      since: cur.status === derived.status ? cur.since : at,
      source: 'connect',
      contacts: derived.contacts,
      ...(derived.currentContact ? { currentContact: derived.currentContact } : {}),
      ...(derived.nextStatus ? { nextStatus: derived.nextStatus } : {}),
      ...(profile.team ? { team: profile.team } : {}),
      queues: profile.queues,
      profileFp,
      aes: nextSeen(cur, event.EventId, ts),
    };
    // Nothing a supervisor, report or the directory would notice (heartbeats): the write is skipped.
    return visibleChange(cur, next) || cur.profileFp !== next.profileFp ? next : undefined;
  };

  // The directory first: if it fails, the record is not written and the retried event does it all again.
  if (cached?.profileFp !== profileFp) await deps.directory.syncFromConnect(tenant, agent, profile);
  const current = cached ?? undefined;
  // "Contact offered" before the commit: its subscribers must not miss it (the agent's unacknowledged alerts clear on
  // it). Published after the commit, a failed subscriber would fail the record, but its redelivery would find the
  // event applied and publish nothing. Before, a failure leaves the status unwritten, so the retried record offers
  // the contact again; subscribers are idempotent (an alert closes once), so a repeat records nothing twice.
  const knownRinging =
    current?.currentContact && current.status === 'ringing' ? [current.currentContact.contactId] : [];
  for (const contact of offeredContacts(event, knownRinging))
    await deps.events.publish({ type: 'contact-offered', tenant, agent, contact, at });
  // The record read above (none yet: the agent starts Offline, as the commit would read it); a concurrent writer makes
  // the conditional write fail, and the retry reads afresh.
  const result = await commitStatus(deps, tenant, agent, build, {
    fromConnect: { current: current ?? offlineRecord(tenant, agent, iso(deps.clock.now())) },
  });
  cache.set(key, result.record);
  return result.written ? 'applied' : 'unchanged';
}
