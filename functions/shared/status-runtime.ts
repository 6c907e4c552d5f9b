import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { ApiGatewayConnectionGateway, type ConnectionGateway } from '#adapters/connection-notifier.ts';
import { SdkConnectStatusClient } from '#adapters/connect-status-sync.ts';
import { CachedSubscriptionStore, DynamoSubscriptionStore, FeedPublisher, MonitoringNotifier } from '#adapters/monitoring-notifier.ts';
import { InProcessDomainEvents } from '#adapters/status-domain-events.ts';
import {
  DynamoApprovalStore,
  DynamoPresenceStore,
  DynamoReasonStore,
  DynamoStatusStore,
  DynamoSyncQueue,
} from '#adapters/status-repository.ts';
import type { AgentEventDeps } from '#domain/agent-event-processor.ts';
import type { DirectoryRepository } from '#domain/directory.ts';
import type { SubscriptionStore } from '#domain/monitoring.ts';
import type { Notifier } from '#domain/notifier.ts';
import type { TenantSettings } from '#domain/settings.ts';
import type { SyncDeps } from '#domain/status-connect-sync.ts';
import type { ActivityMemo, SettingsReader, StatusDeps } from '#domain/status-service.ts';
import { loadEnv } from './env.ts';
import { logger } from './powertools.ts';
import { clock, connectionNotifier, documentClient, mainTable, settingsRepository } from './runtime.ts';

/**
 * Composition root of the status capability, in the style of runtime.ts: adapters are built once per execution
 * environment on first use. Handlers call these at module scope.
 */
const once = <T>(make: () => T): (() => T) => {
  let value: T | undefined;
  return () => {
    value ??= make();
    return value;
  };
};

const wsEndpoint = () => loadEnv({ WS_ENDPOINT: z.url() }).WS_ENDPOINT;

/** The Connect instance id when Connect is configured; undefined turns the PutUserStatus queue off. */
export const connectInstanceId = (): string | undefined =>
  loadEnv({ CONNECT_INSTANCE_ID: z.string().min(1).optional() }).CONNECT_INSTANCE_ID;

export const gateway = once<ConnectionGateway>(() => ApiGatewayConnectionGateway.forEndpoint(wsEndpoint()));
export const statusStore = once(() => new DynamoStatusStore(documentClient(), mainTable(), clock));
export const presenceStore = once(() => new DynamoPresenceStore(documentClient(), mainTable()));
export const approvalStore = once(() => new DynamoApprovalStore(documentClient(), mainTable(), clock));
export const reasonStore = once(() => new DynamoReasonStore(documentClient(), mainTable(), clock));
export const syncQueue = once(() => new DynamoSyncQueue(documentClient(), mainTable()));
export const subscriptionStore = once<SubscriptionStore>(
  () => new CachedSubscriptionStore(new DynamoSubscriptionStore(documentClient(), mainTable(), clock), clock),
);
export const statusFeed = once(() => new FeedPublisher(subscriptionStore(), gateway()));
export const domainEvents = once(() => new InProcessDomainEvents(statusFeed()));

/** THE notifier every capability should push through: monitors see what their agent sees. */
export const monitoringNotifier = once<Notifier>(
  () => new MonitoringNotifier(connectionNotifier(), subscriptionStore(), gateway()),
);

/** Tenant settings read at most once a minute per environment (pings must not read them each time). */
export const cachedSettings = once<SettingsReader>(() => {
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

/**
 * The directory adapter is written by another engineer; until it lands this throws when (and only when) a function
 * needs it. Replace the body with the Dynamo directory repository.
 */
export const directoryRepository = once<DirectoryRepository>(() => {
  throw new Error('The directory repository is not wired into status-runtime yet');
});

export const statusDeps = once<StatusDeps>(() => {
  const instance = connectInstanceId();
  return {
    store: statusStore(),
    reasons: reasonStore(),
    approvals: approvalStore(),
    presence: presenceStore(),
    settings: cachedSettings(),
    clock,
    notifier: monitoringNotifier(),
    feed: statusFeed(),
    events: domainEvents(),
    ...(instance ? { sync: syncQueue() } : {}),
    newId: () => randomUUID(),
    warn: (message, details) => logger.warn(message, details),
  };
});

export const agentEventDeps = once<AgentEventDeps>(() => ({
  ...statusDeps(),
  directory: directoryRepository(),
  connectConfig: reasonStore(),
}));

export const activityDeps = once(() => ({
  presence: presenceStore(),
  settings: cachedSettings(),
  clock,
  memo: activityMemo,
}));

export const syncDeps = once<SyncDeps>(() => {
  const instance = connectInstanceId();
  if (!instance) throw new Error('CONNECT_INSTANCE_ID is not set: there is nothing to sync');
  return {
    queue: syncQueue(),
    client: SdkConnectStatusClient.forInstance(instance),
    directory: directoryRepository(),
    reasons: reasonStore(),
    clock,
    sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
    warn: (message, details) => logger.warn(message, details),
  };
});
