import { randomUUID } from 'node:crypto';
import * as z from 'zod';
import { DynamoConnectBindingStore } from '#adapters/connect-binding-repository.ts';
import { ConnectStatusPort, SdkConnectStatusClient } from '#adapters/connect-status-sync.ts';
import { DynamoSyncQueue } from '#adapters/connect-sync-queue.ts';
import { agentEventConsumer } from '#adapters/inbound/agent-event-consumer.ts';
import { statusFeedConsumer } from '#adapters/inbound/status-feed-consumer.ts';
import { createLambdaClient } from '#adapters/lambda-invoke.ts';
import { DynamoSubscriptionStore, FeedConnections, MonitoringNotifier } from '#adapters/monitoring-notifier.ts';
import { DynamoChangeStartReader, DynamoSyncTargetReader } from '#adapters/status-batched-reads.ts';
import { InProcessDomainEvents } from '#adapters/status-domain-events.ts';
import { KinesisStatusFeed } from '#adapters/status-feed-stream.ts';
import {
  DynamoApprovalStore,
  DynamoPresenceStore,
  DynamoReasonStore,
  DynamoStatusStore,
} from '#adapters/status-repository.ts';
import { lifecycleDeps as alertLifecycleDeps } from '#composition/alerts.ts';
import { once } from '#composition/once.ts';
import type { AgentEventDeps } from '#domain/agent-event-processor.ts';
import { onAgentEvent } from '#domain/alerts/lifecycle.ts';
import { bindInstance, setStatusMap, unbindInstance } from '#domain/connect-binding.ts';
import { registerConnection } from '#domain/connections.ts';
import {
  removeConnectionSubscriptions,
  startMonitor,
  stopMonitor,
  subscribeStatus,
  unsubscribeStatus,
} from '#domain/monitoring.ts';
import type { Principal } from '#domain/principal.ts';
import type { TenantSettings } from '#domain/settings.ts';
import type { AgentStatus } from '#domain/status.ts';
import { agentWorkload, createReason, readStatusLog, updateReason } from '#domain/status-admin.ts';
import { drainInstances, type SyncDeps } from '#domain/status-connect-sync.ts';
import { type ListFilter, listAgents } from '#domain/status-list.ts';
import type { DomainEvents, StatusChangeFeed } from '#domain/status-ports.ts';
import {
  type ActivityMemo,
  decideRequest,
  getAgentStatus,
  listPendingRequests,
  recordActivity,
  type SettingsReader,
  type StatusDeps,
  setOwnStatus,
  supervisorSetStatus,
} from '#domain/status-service.ts';
import { runSweeper, type SweeperOptions } from '#domain/status-sweeper.ts';
import { statusChoices, statusViews } from '#domain/status-views.ts';
import { loadEnv } from '#shared/env.ts';
import { logger } from '#shared/powertools.ts';
import type { SignOfLife } from '#shared/sign-of-life.ts';
import {
  connectionGateway,
  connectionNotifier,
  connectionRepository,
  notifier,
  subscriptionStore,
} from './connections.ts';
import { clock, directoryRepository, documentClient, mainTable, settingsRepository } from './core.ts';

/**
 * Composition of the status capability (the handlers' facade): adapters built once per execution environment on first
 * use (./once.ts), dependencies per use case — the read-only routes get the stores alone, no notifier, feed or
 * @connections client — and the use cases wired to them. Handlers call these at module scope, so a missing variable
 * fails the cold start. The request schemas and pure mappers the handlers use are re-exported at the end.
 */

/**
 * The Connect instances this deployment serves (`CONNECT_INSTANCE_ARNS`, set for every function with `connect`
 * access, empty when none is configured). Required: a function that needs it and lacks the access fails at init.
 */
export const connectInstances = /*@__PURE__*/ once((): readonly string[] =>
  loadEnv({ CONNECT_INSTANCE_ARNS: z.string() })
    .CONNECT_INSTANCE_ARNS.split(',')
    .map((s) => s.trim())
    .filter(Boolean),
);

export const statusStore = /*@__PURE__*/ once(() => new DynamoStatusStore(documentClient(), mainTable(), clock));
export const presenceStore = /*@__PURE__*/ once(() => new DynamoPresenceStore(documentClient(), mainTable()));
export const approvalStore = /*@__PURE__*/ once(() => new DynamoApprovalStore(documentClient(), mainTable(), clock));
export const reasonStore = /*@__PURE__*/ once(() => new DynamoReasonStore(documentClient(), mainTable(), clock));
export const syncQueue = /*@__PURE__*/ once(() => new DynamoSyncQueue(documentClient(), mainTable()));

export const bindingStore = /*@__PURE__*/ once(() => new DynamoConnectBindingStore(documentClient(), mainTable()));

/**
 * The status feed stream (`STREAM_STATUS_FEED`, registry `writesStreams: ['statusFeed']`): status changes and agent
 * events leave through it — one route to the agents' other connections, their monitors and the supervisors' feed.
 */
export const statusFeed = /*@__PURE__*/ once<StatusChangeFeed>(
  () => new KinesisStatusFeed(loadEnv({ STREAM_STATUS_FEED: z.string().min(1) }).STREAM_STATUS_FEED),
);
export const domainEvents = /*@__PURE__*/ once(() => {
  const events = new InProcessDomainEvents(statusFeed());
  // Alerts: still active at the next contact offered, or at session end, they close Not Acknowledged.
  events.subscribe(onAgentEvent(alertLifecycleDeps));
  return events;
});

/**
 * What the feed consumer (StreamStatusFeed) delivers through: @connections, and subscriptions read fresh per batch —
 * feed and monitors alike (THE notifier's decorator, here without its cache): this one long-lived consumer must
 * serve a supervisor who subscribed or started monitoring a moment ago.
 */
export const feedDelivery = /*@__PURE__*/ once(() => {
  const fresh = new DynamoSubscriptionStore(documentClient(), mainTable(), clock);
  return new FeedConnections(
    fresh,
    connectionGateway(),
    new MonitoringNotifier(connectionNotifier(), fresh, connectionGateway()),
  );
});

/**
 * Functions that only read statuses have no access to the feed stream, and nothing they run publishes: if something
 * ever did, it fails loudly (a registry `access` to add) rather than dropping the event.
 */
const readOnly = (what: string) => () => {
  throw new Error(`This function cannot publish ${what}: it has no access to the status feed stream`);
};
const noFeed: StatusChangeFeed = { publish: async () => readOnly('status events')() };
const noEvents: DomainEvents = { publish: async () => readOnly('domain events')() };

/** Tenant settings read at most once a minute per environment (pings must not read them each time). */
export const cachedSettings = /*@__PURE__*/ once<SettingsReader>(() => {
  const cache = new Map<string, { at: number; value: Promise<TenantSettings> }>();
  return {
    get(tenant) {
      const hit = cache.get(tenant);
      if (hit && clock.now() - hit.at < 60_000) return hit.value;
      const value = settingsRepository().get(tenant);
      value.catch(() => cache.delete(tenant));
      cache.set(tenant, { at: clock.now(), value });
      return value;
    },
  };
});

/** Remembers recent activity writes per environment (see recordActivity). */
export const activityMemo: ActivityMemo = new Map();

/** What reading statuses needs (and changes that never reach Connect). */
export const statusDeps = /*@__PURE__*/ once<StatusDeps>(() => {
  return {
    store: statusStore(),
    reasons: reasonStore(),
    approvals: approvalStore(),
    presence: presenceStore(),
    settings: cachedSettings(),
    clock,
    // THE notifier (composed in runtime.ts): monitors see what their agent sees.
    notifier: notifier(),
    feed: noFeed,
    events: noEvents,
    newId: () => randomUUID(),
    warn: (message, details) => logger.warn(message, details),
    directory: directoryRepository(),
    changeStart: new DynamoChangeStartReader(documentClient(), mainTable()),
  };
});

/**
 * What the read-only routes need (a status, the agent list, pending requests): the stores alone — no notifier, feed or
 * domain events, so these functions build no @connections client (nor bundle one) and need no `WS_ENDPOINT`.
 */
export const statusReadDeps = /*@__PURE__*/ once(() => ({
  store: statusStore(),
  reasons: reasonStore(),
  approvals: approvalStore(),
  directory: directoryRepository(),
  clock,
}));

/**
 * What changing statuses needs: everything above plus Amazon Connect — a change is queued for the instance bound to
 * the tenant and the instance's paced worker started at once — and the feed stream, where the change is published.
 * Read at init and required (registry access `connect: []`, `invokes: ['ScheduleStatusConnectSync']` and
 * `writesStreams: ['statusFeed']`), whether or not this deployment serves an instance yet.
 */
export const statusChangeDeps = /*@__PURE__*/ once<StatusDeps>(() => {
  const worker = loadEnv({ FN_SCHEDULE_STATUS_CONNECT_SYNC: z.string().min(1) }).FN_SCHEDULE_STATUS_CONNECT_SYNC;
  const instances = connectInstances();
  return {
    ...statusDeps(),
    feed: statusFeed(),
    events: domainEvents(),
    // No instance configured: nothing can be bound, so no lookup per change.
    ...(instances.length > 0
      ? { connect: new ConnectStatusPort(bindingStore(), createLambdaClient(), worker, syncQueue(), () => clock.now()) }
      : {}),
  };
});

export const agentEventDeps = /*@__PURE__*/ once<AgentEventDeps>(() => ({
  ...statusChangeDeps(),
  directory: directoryRepository(),
  connectConfig: bindingStore(),
}));

export const activityDeps = /*@__PURE__*/ once(() => ({
  presence: presenceStore(),
  settings: cachedSettings(),
  clock,
  memo: activityMemo,
}));

/** The sign of life a route or action names as `touch` (shared/sign-of-life.ts swallows its failures). */
export const signOfLife: SignOfLife = async (principal) => {
  await recordActivity(activityDeps(), principal);
};

export const syncDeps = /*@__PURE__*/ once<SyncDeps>(() => ({
  queue: syncQueue(),
  client: new SdkConnectStatusClient(),
  reasons: reasonStore(),
  targets: new DynamoSyncTargetReader(documentClient(), mainTable()),
  clock,
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
  warn: (message, details) => logger.warn(message, details),
}));

/* The wired use cases, one per route or worker: each builds only what its use case reaches. */

/** THE status query: views of a tenant's status records, labelled with its reasons (./domain/status-views.ts). */
export const statusViewsQuery = /*@__PURE__*/ once(() => {
  const deps = { reasons: reasonStore() };
  return <const T extends readonly AgentStatus[]>(tenant: string, records: T | Promise<T>) =>
    statusViews(deps, tenant, records);
});

/** One agent's status: the agent its own, supervisors anyone of their tenant (Offline if never seen). */
export const agentStatusQuery = /*@__PURE__*/ once(() => {
  const deps = { store: statusStore(), clock };
  return (principal: Principal, agent: string) => getAgentStatus(deps, principal, agent);
});

export const agentListQuery = /*@__PURE__*/ once(() => {
  const deps = statusReadDeps();
  return (principal: Principal, filter: ListFilter) => listAgents(deps, principal, filter);
});

export const pendingRequestsQuery = /*@__PURE__*/ once(() => {
  const deps = { approvals: approvalStore() };
  return (principal: Principal) => listPendingRequests(deps, principal);
});

export const statusChoicesQuery = /*@__PURE__*/ once(() => {
  const deps = { reasons: reasonStore() };
  return (principal: Principal) => statusChoices(deps, principal);
});

export const statusLogQuery = /*@__PURE__*/ once(() => {
  const deps = { store: statusStore(), clock };
  return (principal: Principal, agent: string, range: Parameters<typeof readStatusLog>[3]) =>
    readStatusLog(deps, principal, agent, range);
});

export const workloadQuery = /*@__PURE__*/ once(() => {
  const deps = { store: statusStore(), clock, settings: cachedSettings() };
  return (principal: Principal, agent: string, range: Parameters<typeof agentWorkload>[3]) =>
    agentWorkload(deps, principal, agent, range);
});

/** Status changes by people: they reach the feed, the notifier and (when bound) Amazon Connect. */
export const statusCommands = /*@__PURE__*/ once(() => {
  const deps = statusChangeDeps();
  return {
    setOwn: (principal: Principal, code: string, origin?: string) => setOwnStatus(deps, principal, code, origin),
    setAgent: (principal: Principal, agent: string, code: string) => supervisorSetStatus(deps, principal, agent, code),
    decide: (principal: Principal, requestId: string, decision: 'accept' | 'reject') =>
      decideRequest(deps, principal, requestId, decision),
  };
});

export const reasonCommands = /*@__PURE__*/ once(() => {
  const reasons = reasonStore();
  return {
    create: (principal: Principal, input: Parameters<typeof createReason>[2]) =>
      createReason({ reasons, newId: randomUUID }, principal, input),
    update: (principal: Principal, id: string, patch: Parameters<typeof updateReason>[3]) =>
      updateReason({ reasons }, principal, id, patch),
  };
});

export const statusMapCommand = /*@__PURE__*/ once(() => {
  const deps = { bindings: bindingStore() };
  return (principal: Principal, statusMap: Parameters<typeof setStatusMap>[2]) =>
    setStatusMap(deps, principal, statusMap);
});

/** An operator binds or releases a tenant's Connect instance (one of `CONNECT_INSTANCE_ARNS`). */
export const instanceBindingCommands = /*@__PURE__*/ once(() => {
  const deps = { bindings: bindingStore(), instances: connectInstances() };
  return {
    bind: (...args: Tail<Parameters<typeof bindInstance>>) => bindInstance(deps, ...args),
    unbind: (...args: Tail<Parameters<typeof unbindInstance>>) => unbindInstance(deps, ...args),
  };
});

/** A supervisor's connection joins or leaves the tenant status feed. */
export const feedSubscriptionCommands = /*@__PURE__*/ once(() => {
  const deps = { subscriptions: subscriptionStore(), clock };
  return {
    subscribe: (...args: Tail<Parameters<typeof subscribeStatus>>) => subscribeStatus(deps, ...args),
    unsubscribe: (...args: Tail<Parameters<typeof unsubscribeStatus>>) => unsubscribeStatus(deps, ...args),
  };
});

/** Silent monitoring: only agents of the tenant's directory can be monitored. */
export const monitorCommands = /*@__PURE__*/ once(() => {
  const deps = { subscriptions: subscriptionStore(), clock, directory: directoryRepository() };
  return {
    start: (...args: Tail<Parameters<typeof startMonitor>>) => startMonitor(deps, ...args),
    stop: (...args: Tail<Parameters<typeof stopMonitor>>) => stopMonitor(deps, ...args),
  };
});

/** `$connect` / `$disconnect`: the connection record, and on disconnect the subscriptions that die with it. */
export const connectionLifecycle = /*@__PURE__*/ once(() => {
  const connections = connectionRepository();
  return {
    register: (principal: Principal, connectionId: string, tokenExpiresAt: number) =>
      registerConnection({ connections, clock }, principal, connectionId, tokenExpiresAt),
    forget: (principal: Principal, connectionId: string) =>
      connections.delete(principal.tenant, principal.user, connectionId),
  };
});

export const connectionSubscriptionsCleanup = /*@__PURE__*/ once(() => {
  const deps = { subscriptions: subscriptionStore() };
  return (principal: Principal, connectionId: string) => removeConnectionSubscriptions(deps, principal, connectionId);
});

/** The agent-event stream's batch consumer (partial batch responses), over the agent-event ports. */
export const agentEventHandler = /*@__PURE__*/ once(() => agentEventConsumer(agentEventDeps()));

/** The status feed stream's consumer, delivering through @connections and fresh subscriptions. */
/**
 * The feed's pace: at most 5 frames per second per subscriber (a change waits ≤ 200 ms for its run; the issue's
 * window is ≤ 250 ms), so @connections posts are bounded by subscribers × 5 per second whatever the change rate.
 */
const FEED_MIN_RUN_MS = 200;

export const statusFeedHandler = /*@__PURE__*/ once(() =>
  statusFeedConsumer(feedDelivery(), { minRunMs: FEED_MIN_RUN_MS }),
);

/** Drains the PutUserStatus queues of the given configured instances. */
export const connectSyncDrain = /*@__PURE__*/ once(() => {
  const deps = syncDeps();
  return (...args: Tail<Parameters<typeof drainInstances>>) => drainInstances(deps, ...args);
});

/** One run of the auto-Offline sweeper (sets silent agents Offline: a status change like any other). */
export const inactivitySweep = /*@__PURE__*/ once(() => {
  const deps = statusChangeDeps();
  return (options: SweeperOptions) => runSweeper(deps, options);
});

type Tail<T extends readonly unknown[]> = T extends readonly [unknown, ...infer R] ? R : never;

/* What handlers parse with and map through: the capability's request schemas and pure views. */
export { ROLES } from '#domain/principal.ts';
export {
  agentIdSchema,
  agentParamsSchema,
  bindInstanceBodySchema,
  connectStatusMapBodySchema,
  createReasonBodySchema,
  decisionBodySchema,
  listAgentsQuerySchema,
  logQuerySchema,
  reasonParamsSchema,
  requestParamsSchema,
  setStatusBodySchema,
  statusCodeSchema,
  updateReasonBodySchema,
  workloadQuerySchema,
} from '#domain/status-schemas.ts';
export { requestFrame } from '#domain/status-service.ts';
export { reasonView } from '#domain/status-views.ts';
