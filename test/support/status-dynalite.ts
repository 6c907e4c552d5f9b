import type { AddressInfo } from 'node:net';
import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import dynalite from 'dynalite';
import { DynamoConnectBindingStore } from '../../functions/adapters/connect-binding-repository.ts';
import { DynamoSyncQueue } from '../../functions/adapters/connect-sync-queue.ts';
import { type ConnectionGateway, ConnectionNotifier } from '../../functions/adapters/connection-notifier.ts';
import { DynamoConnectionRepository } from '../../functions/adapters/connection-repository.ts';
import { createDocumentClient } from '../../functions/adapters/dynamo.ts';
import {
  CachedSubscriptionStore,
  DynamoSubscriptionStore,
  FeedConnections,
  MonitoringNotifier,
} from '../../functions/adapters/monitoring-notifier.ts';
import { InProcessDomainEvents } from '../../functions/adapters/status-domain-events.ts';
import {
  DynamoApprovalStore,
  DynamoPresenceStore,
  DynamoReasonStore,
  DynamoStatusStore,
} from '../../functions/adapters/status-repository.ts';
import type { AgentEventDeps } from '../../functions/domain/agent-event-processor.ts';
import type { Clock } from '../../functions/domain/clock.ts';
import { newConnection } from '../../functions/domain/connections.ts';
import type {
  AgentDirectory,
  AgentProfile,
  ConnectProfileUpdate,
  GroupKind,
} from '../../functions/domain/directory.ts';
import { AppError } from '../../functions/domain/errors.ts';
import type { ServerEvent } from '../../functions/domain/notifier.ts';
import type { Principal } from '../../functions/domain/principal.ts';
import { DEFAULT_SETTINGS, type TenantSettings } from '../../functions/domain/settings.ts';
import { deliverFeedBatch, type FeedDeliveryPorts } from '../../functions/domain/status-feed.ts';
import type { DomainEvent, StatusChangeFeed } from '../../functions/domain/status-ports.ts';
import type { StatusDeps } from '../../functions/domain/status-service.ts';
import { addTransactions } from '../../lib/local/dynamo-transactions.ts';
import { TABLES } from '../../lib/tables.ts';
import { FakeChangeStart, FakeConnectPort } from './status-fakes.ts';

/** A dynalite on a random port with the main table created from lib/tables.ts (the status tests' own helper). */
export async function startStatusDynamo(): Promise<{
  client: DynamoDBDocumentClient;
  table: string;
  close(): Promise<void>;
}> {
  const server = addTransactions(dynalite({ createTableMs: 0 }));
  await new Promise<void>((resolve) => server.listen(0, () => resolve()));
  const { port } = server.address() as AddressInfo;
  const config = {
    endpoint: `http://127.0.0.1:${port}`,
    region: 'us-east-1',
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
  };
  const def = TABLES.main;
  const raw = new DynamoDBClient(config);
  const attrs = new Set<string>([
    def.partitionKey,
    def.sortKey,
    ...def.indexes.flatMap((i) => [i.partitionKey, i.sortKey]),
  ]);
  await raw.send(
    new CreateTableCommand({
      TableName: def.id,
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: [...attrs].map((name) => ({ AttributeName: name, AttributeType: 'S' })),
      KeySchema: [
        { AttributeName: def.partitionKey, KeyType: 'HASH' },
        { AttributeName: def.sortKey, KeyType: 'RANGE' },
      ],
      GlobalSecondaryIndexes: def.indexes.map((i) => ({
        IndexName: i.name,
        KeySchema: [
          { AttributeName: i.partitionKey, KeyType: 'HASH' },
          { AttributeName: i.sortKey, KeyType: 'RANGE' },
        ],
        Projection: { ProjectionType: 'ALL' },
      })),
    }),
  );
  raw.destroy();
  const client = createDocumentClient(config);
  return {
    client,
    table: def.id,
    close: async () => {
      client.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

export class FakeClock implements Clock {
  constructor(public ms = Date.parse('2026-11-20T09:00:00.000Z')) {}
  now() {
    return this.ms;
  }
  advance(ms: number) {
    this.ms += ms;
  }
}

/** Records every frame per connection id, like a WebSocket client would receive it. */
export class FakeGateway implements ConnectionGateway {
  readonly frames = new Map<string, unknown[]>();
  readonly gone = new Set<string>();
  async post(connectionId: string, data: string): Promise<'sent' | 'gone'> {
    if (this.gone.has(connectionId)) return 'gone';
    this.frames.set(connectionId, [...(this.frames.get(connectionId) ?? []), JSON.parse(data)]);
    return 'sent';
  }
  received(connectionId: string): Array<Record<string, unknown>> {
    return (this.frames.get(connectionId) ?? []) as Array<Record<string, unknown>>;
  }
  clear() {
    this.frames.clear();
  }
}

/** An in-memory directory: the real adapter is another engineer's; the port is all the status code needs. */
export class FakeDirectory
  implements Pick<AgentDirectory, 'get' | 'put' | 'syncFromConnect' | 'listMembers' | 'listAgents' | 'getMany'>
{
  readonly profiles = new Map<string, AgentProfile>();
  syncCalls = 0;
  /** The instant new profiles get as `addedAt` (as the real adapter stamps its clock's now). */
  addedAt = '2026-11-01T08:00:00.000Z';
  private key = (t: string, a: string) => `${t}/${a}`;
  async get(tenant: string, agentId: string) {
    return this.profiles.get(this.key(tenant, agentId));
  }
  async getMany(tenant: string, agentIds: readonly string[]) {
    return agentIds.flatMap((id) => this.profiles.get(this.key(tenant, id)) ?? []);
  }
  async put(profile: AgentProfile) {
    const old = this.profiles.get(this.key(profile.tenant, profile.agentId));
    this.profiles.set(this.key(profile.tenant, profile.agentId), {
      ...profile,
      addedAt: old?.addedAt ?? profile.addedAt ?? this.addedAt,
    });
  }
  async listAgents(tenant: string, page?: { cursor?: string; limit?: number }) {
    const all = [...this.profiles.values()]
      .filter((p) => p.tenant === tenant)
      .sort((a, b) => (a.agentId < b.agentId ? -1 : 1));
    const start = page?.cursor ? all.findIndex((p) => p.agentId === page.cursor) + 1 : 0;
    const items = all.slice(start, start + (page?.limit ?? 100));
    const last = items.at(-1);
    return start + items.length < all.length && last ? { items, cursor: last.agentId } : { items };
  }
  async syncFromConnect(tenant: string, agentId: string, update: ConnectProfileUpdate) {
    this.syncCalls++;
    const cur = this.profiles.get(this.key(tenant, agentId));
    this.profiles.set(this.key(tenant, agentId), {
      tenant,
      agentId,
      displayName: update.displayName ?? cur?.displayName ?? agentId,
      queues: update.queues,
      campaigns: cur?.campaigns ?? [],
      lists: cur?.lists ?? [],
      connectUserId: update.connectUserId,
      addedAt: cur?.addedAt ?? this.addedAt,
      ...(update.team ? { team: update.team } : {}),
    });
  }
  async listMembers(tenant: string, kind: GroupKind, value: string, page?: { cursor?: string; limit?: number }) {
    const all = [...this.profiles.values()]
      .filter((p) => p.tenant === tenant)
      .filter((p) => (kind === 'team' ? p.team === value : kind === 'queue' ? p.queues.includes(value) : false))
      .map((p) => p.agentId)
      .sort();
    const start = page?.cursor ? all.indexOf(page.cursor) + 1 : 0;
    const limit = page?.limit ?? 100;
    const agentIds = all.slice(start, start + limit);
    const last = agentIds.at(-1);
    return start + limit < all.length && last ? { agentIds, cursor: last } : { agentIds };
  }
}

export interface Harness {
  readonly deps: AgentEventDeps;
  readonly clock: FakeClock;
  readonly gateway: FakeGateway;
  readonly directory: FakeDirectory;
  readonly events: DomainEvent[];
  readonly settings: Map<string, TenantSettings>;
  readonly connections: DynamoConnectionRepository;
  readonly subscriptions: CachedSubscriptionStore;
  readonly syncQueue: DynamoSyncQueue;
  readonly reasons: DynamoReasonStore;
  readonly bindings: DynamoConnectBindingStore;
  /** Instances whose worker a status change started (with `connect: true`; none while a worker holds the lease). */
  readonly kicks: string[];
  /** What an operator and the tenant's admin do: bind the instance, set the status map. */
  bindConnect(tenant: string, instanceArn: string, statusMap?: Record<string, string>): Promise<void>;
  /** Registers a WebSocket connection for a principal (what $connect does); its token lives an hour by default. */
  connect(principal: Principal, connectionId: string, tokenExpiresAt?: number): Promise<void>;
  /** A token expiry an hour after the fake clock's now (epoch seconds). */
  tokenExp(): number;
}

let ids = 0;

/**
 * The feed stream without the stream: each published record is delivered at once, as a batch of its own, by the
 * consumer's own delivery code (the stream and its batching are covered by the e2e tests and the property test).
 */
function inlineFeed(ports: FeedDeliveryPorts): StatusChangeFeed {
  return {
    async publish(tenant: string, event: ServerEvent, options: { readonly agent?: string } = {}) {
      await deliverFeedBatch(ports, [{ tenant, event, ...(options.agent ? { agent: options.agent } : {}) }]);
    },
  };
}

/**
 * Real DynamoDB adapters on dynalite, a fake gateway (frames per connection), a fake clock and directory, and the
 * ports that read across them (a change's start, Connect) as fakes over those very stores (status-fakes.ts).
 */
export function statusHarness(
  client: DynamoDBDocumentClient,
  table: string,
  options: { connect?: boolean } = {},
): Harness {
  const clock = new FakeClock();
  const tokenExp = () => Math.floor(clock.now() / 1000) + 3600;
  const gateway = new FakeGateway();
  const directory = new FakeDirectory();
  const events: DomainEvent[] = [];
  const settings = new Map<string, TenantSettings>();
  const connections = new DynamoConnectionRepository(client, table, clock);
  const subscriptions = new CachedSubscriptionStore(new DynamoSubscriptionStore(client, table, clock), clock);
  const notifier = new MonitoringNotifier(new ConnectionNotifier(connections, gateway), subscriptions, gateway);
  const feed = inlineFeed(new FeedConnections(new DynamoSubscriptionStore(client, table, clock), gateway, notifier));
  const domainEvents = new InProcessDomainEvents(feed);
  domainEvents.subscribe(async (e) => {
    events.push(e);
  });
  const reasons = new DynamoReasonStore(client, table, clock, 0);
  const syncQueue = new DynamoSyncQueue(client, table);
  const bindings = new DynamoConnectBindingStore(client, table);
  const connectPort = new FakeConnectPort(bindings, syncQueue, clock);
  const store = new DynamoStatusStore(client, table, clock);
  const base: StatusDeps = {
    store,
    reasons,
    approvals: new DynamoApprovalStore(client, table, clock),
    presence: new DynamoPresenceStore(client, table),
    settings: { get: async (tenant) => settings.get(tenant) ?? DEFAULT_SETTINGS },
    clock,
    notifier,
    feed,
    events: domainEvents,
    ...(options.connect ? { connect: connectPort } : {}),
    newId: () => `req${++ids}`,
    changeStart: new FakeChangeStart(store, directory, bindings),
  };
  return {
    deps: { ...base, directory, connectConfig: bindings },
    clock,
    gateway,
    directory,
    events,
    settings,
    connections,
    subscriptions,
    syncQueue,
    reasons,
    bindings,
    kicks: connectPort.kicks,
    bindConnect: async (tenant, instanceArn, statusMap = {}) => {
      await bindings.bind(tenant, instanceArn);
      await bindings.putStatusMap(tenant, statusMap);
    },
    connect: async (principal, connectionId, tokenExpiresAt) => {
      await connections.put(newConnection(principal, connectionId, clock, tokenExpiresAt ?? tokenExp()));
    },
    tokenExp,
  };
}

/** The status and code of the AppError a call is refused with (fails the test if the call succeeds). */
export async function codeOf(p: Promise<unknown>): Promise<{ status: number; code: string; details: unknown }> {
  try {
    await p;
  } catch (error) {
    if (error instanceof AppError) return { status: error.statusCode, code: error.code, details: error.details };
    throw error;
  }
  throw new Error('expected a refusal');
}
