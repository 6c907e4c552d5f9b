import { DynamoAlertStore } from '#adapters/alert-repository.ts';
import { DynamoConnectBindingStore } from '#adapters/connect-binding-repository.ts';
import { telemetryConsumer } from '#adapters/inbound/telemetry-consumer.ts';
import { FeedPublisher } from '#adapters/monitoring-notifier.ts';
import { DynamoStatusStore } from '#adapters/status-repository.ts';
import { DynamoTelemetryStateStore } from '#adapters/telemetry-state-repository.ts';
import type { AgentAlertsDeps, LifecycleDeps } from '#domain/alerts/lifecycle.ts';
import type { ConnectBinding } from '#domain/alerts/model.ts';
import type { AgentMemory, ProcessorDeps } from '#domain/alerts/processor.ts';
import type { Clock } from '#domain/clock.ts';
import type { AlertLookup } from '#domain/report-model.ts';
import type { TenantSettings } from '#domain/settings.ts';
import type { SettingsReader } from '#domain/status-service.ts';
import { logger } from '#shared/powertools.ts';
import { agentStatsCounters } from './agent-stats.ts';
import { connectionGateway, notifier, subscriptionStore } from './connections.ts';
import { clock, documentClient, mainTable, settingsRepository } from './core.ts';
import { once } from './once.ts';

/**
 * Composition of the alerts capability: each use case gets exactly the adapters it uses, built on first use, so a
 * read-only route never constructs (nor needs IAM for) the notifier, @connections or the stream. The ingest's stream
 * producer is composed in alerts-ingest.ts, so that functions which only clear alerts (every status function, through
 * the domain events) never load the Kinesis client.
 */
/** A per-environment cache of a per-tenant read: telemetry arrives every second, settings change rarely. */
function cachedPerTenant<T>(read: (tenant: string) => Promise<T>, ttlMs: number, time: Clock) {
  const cache = new Map<string, { at: number; value: Promise<T> }>();
  return (tenant: string): Promise<T> => {
    const hit = cache.get(tenant);
    if (hit && time.now() - hit.at < ttlMs) return hit.value;
    const value = read(tenant);
    value.catch(() => cache.delete(tenant));
    cache.set(tenant, { at: time.now(), value });
    return value;
  };
}

/** A switch flipped off (or a threshold changed) takes effect within this long. */
export const SETTINGS_CACHE_MS = 30_000;

/** Tenant settings, cached per environment. */
export const settings = /*@__PURE__*/ once<SettingsReader>(() => {
  const get = cachedPerTenant<TenantSettings>((t) => settingsRepository().get(t), SETTINGS_CACHE_MS, clock);
  return { get };
});
export const alertStore = /*@__PURE__*/ once(
  () => new DynamoAlertStore(documentClient(), mainTable(), clock, agentStatsCounters()),
);
const statusStore = /*@__PURE__*/ once(() => new DynamoStatusStore(documentClient(), mainTable(), clock));
/**
 * "The tenant has a Connect instance" is the operator's binding (the same store the agent-event consumer and the
 * status sync read). Read uncached, once per tenant per batch, so a binding or a release is in force from the next
 * batch, as everywhere else; a status map without an instance does not count.
 */
const connectBinding = /*@__PURE__*/ once<ConnectBinding>(() => {
  const bindings = new DynamoConnectBindingStore(documentClient(), mainTable());
  return { isBound: async (t) => (await bindings.connectConfig(t))?.instanceArn !== undefined };
});
const feed = /*@__PURE__*/ once(() => new FeedPublisher(subscriptionStore(), connectionGateway()));
const warn = (message: string, details: Record<string, unknown>) => logger.warn(message, details);

/** The telemetry stream's processor. */
export const processorDeps = /*@__PURE__*/ once<ProcessorDeps>(() => ({
  alerts: alertStore(),
  states: new DynamoTelemetryStateStore(documentClient(), mainTable(), clock),
  connect: connectBinding(),
  settings: settings(),
  clock,
  memory: new Map<string, AgentMemory>(),
  notifier: notifier(),
  feed: feed(),
  warn,
}));

/** Acknowledgement and clearing (pushes `alert-cleared`). */
/** The telemetry stream's consumer: MOS, rules, alerts raised and pushed (partial batch responses). */
export const telemetryHandler = /*@__PURE__*/ once(() => telemetryConsumer(processorDeps()));

export const lifecycleDeps = /*@__PURE__*/ once<LifecycleDeps>(() => ({
  alerts: alertStore(),
  clock,
  notifier: notifier(),
  feed: feed(),
  warn,
}));

/** Read-only: the agent's session alerts. */
export const agentAlertsDeps = /*@__PURE__*/ once<AgentAlertsDeps>(() => ({
  alerts: alertStore(),
  statuses: statusStore(),
}));

/** Read-only: the admins' record. */
export const queryDeps = /*@__PURE__*/ once(() => ({ alerts: alertStore(), clock }));

/**
 * Issue reports flagged from an alert: the stored alert (the caller's own only — the key is the agent's partition)
 * supplies the contact id and type, so a report never carries what the client claims about it.
 */
export const alertLookup = /*@__PURE__*/ once<AlertLookup>(() => ({
  get: async (tenant, agent, id) => {
    const alert = await alertStore().get(tenant, agent, id);
    return alert && { contactId: alert.contactId, type: alert.rule };
  },
}));
