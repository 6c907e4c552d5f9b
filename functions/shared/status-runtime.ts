import { randomUUID } from 'node:crypto';
import { LambdaClient } from '@aws-sdk/client-lambda';
import * as z from 'zod';
import { DynamoConnectBindingStore } from '#adapters/connect-binding-repository.ts';
import { ConnectStatusPort, SdkConnectStatusClient } from '#adapters/connect-status-sync.ts';
import { DynamoSyncQueue } from '#adapters/connect-sync-queue.ts';
import { DynamoDirectoryRepository } from '#adapters/directory-repository.ts';
import { DynamoSubscriptionStore, FeedConnections, MonitoringNotifier } from '#adapters/monitoring-notifier.ts';
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
import type { AgentDirectory } from '#domain/directory.ts';
import type { TenantSettings } from '#domain/settings.ts';
import type { SyncDeps } from '#domain/status-connect-sync.ts';
import type { DomainEvents, StatusChangeFeed } from '#domain/status-ports.ts';
import { type ActivityMemo, recordActivity, type SettingsReader, type StatusDeps } from '#domain/status-service.ts';
import { loadEnv } from './env.ts';
import { logger } from './powertools.ts';
import {
  clock,
  connectionGateway,
  connectionNotifier,
  documentClient,
  mainTable,
  notifier,
  settingsRepository,
  subscriptionStore,
} from './runtime.ts';
import type { SignOfLife } from './sign-of-life.ts';

/**
 * Composition root of the status capability, in the style of runtime.ts: adapters are built once per execution
 * environment on first use (functions/composition/once.ts). Handlers call these at module scope.
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

export const gateway = connectionGateway;
export const statusStore = /*@__PURE__*/ once(() => new DynamoStatusStore(documentClient(), mainTable(), clock));
export const presenceStore = /*@__PURE__*/ once(() => new DynamoPresenceStore(documentClient(), mainTable()));
export const approvalStore = /*@__PURE__*/ once(() => new DynamoApprovalStore(documentClient(), mainTable(), clock));
export const reasonStore = /*@__PURE__*/ once(() => new DynamoReasonStore(documentClient(), mainTable(), clock));
export const syncQueue = /*@__PURE__*/ once(() => new DynamoSyncQueue(documentClient(), mainTable()));

export const bindingStore = /*@__PURE__*/ once(() => new DynamoConnectBindingStore(documentClient(), mainTable()));

export { subscriptionStore };
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
  return new FeedConnections(fresh, gateway(), new MonitoringNotifier(connectionNotifier(), fresh, gateway()));
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

/** THE notifier (composed in runtime.ts): monitors see what their agent sees. */
export const monitoringNotifier = notifier;

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

export const directoryRepository = /*@__PURE__*/ once<AgentDirectory>(
  () => new DynamoDirectoryRepository(documentClient(), mainTable()),
);

/** What reading statuses needs (and changes that never reach Connect). */
export const statusDeps = /*@__PURE__*/ once<StatusDeps>(() => {
  return {
    store: statusStore(),
    reasons: reasonStore(),
    approvals: approvalStore(),
    presence: presenceStore(),
    settings: cachedSettings(),
    clock,
    notifier: monitoringNotifier(),
    feed: noFeed,
    events: noEvents,
    newId: () => randomUUID(),
    warn: (message, details) => logger.warn(message, details),
    directory: directoryRepository(),
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
    ...(instances.length > 0 ? { connect: new ConnectStatusPort(bindingStore(), new LambdaClient({}), worker) } : {}),
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
  directory: directoryRepository(),
  reasons: reasonStore(),
  bindings: bindingStore(),
  clock,
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
  warn: (message, details) => logger.warn(message, details),
}));
