import type { Clock } from '../../functions/domain/clock.ts';
import type { DirectoryRepository } from '../../functions/domain/directory.ts';
import type { StatusConnectPort } from '../../functions/domain/status-commit.ts';
import { drainConnectSync, type SyncDeps } from '../../functions/domain/status-connect-sync.ts';
import type {
  ChangeStart,
  ChangeStartReader,
  ConnectBindingStore,
  ConnectSyncQueue,
  StatusStore,
  SyncTargetReader,
} from '../../functions/domain/status-ports.ts';

/**
 * The status ports whose adapters read several items of the main table in one request (status-batched-reads.ts) or
 * start a Lambda (connect-status-sync.ts), for tests that wire the other ports themselves (an in-memory directory,
 * a recorded worker start). Each reads the very stores the test wired, so it answers what they hold, as the adapter
 * answers what the table holds; the adapters themselves are tested in status-batched-reads.test.ts and
 * status-connect-kick.test.ts.
 */

/** A change's starting point read from the test's own status store, directory and bindings, side by side. */
export class FakeChangeStart implements ChangeStartReader {
  constructor(
    private readonly store: Pick<StatusStore, 'get'>,
    private readonly directory: Pick<DirectoryRepository, 'get'>,
    private readonly bindings: Pick<ConnectBindingStore, 'connectConfig'>,
  ) {}

  async read(tenant: string, agent: string, want: { profile: boolean; instance: boolean }): Promise<ChangeStart> {
    const [current, profile, config] = await Promise.all([
      this.store.get(tenant, agent),
      want.profile ? this.directory.get(tenant, agent) : undefined,
      want.instance ? this.bindings.connectConfig(tenant) : undefined,
    ]);
    // Like the adapter: only what was asked for is in the answer.
    return {
      current,
      ...(want.profile ? { profile } : {}),
      ...(want.instance ? { instanceArn: config?.instanceArn } : {}),
    };
  }
}

/** The Connect worker's checks of an item read from the test's own directory and bindings. */
export class FakeSyncTargets implements SyncTargetReader {
  constructor(
    private readonly directory: Pick<DirectoryRepository, 'get'>,
    private readonly bindings: Pick<ConnectBindingStore, 'connectConfig' | 'tenantForInstance'>,
  ) {}

  async read(tenant: string, agent: string, instanceArn: string) {
    const [profile, config, owner] = await Promise.all([
      this.directory.get(tenant, agent),
      this.bindings.connectConfig(tenant),
      this.bindings.tenantForInstance(instanceArn),
    ]);
    return { profile, config, owner };
  }

  readMany(instanceArn: string, items: ReadonlyArray<{ tenant: string; agent: string }>) {
    return Promise.all(items.map(({ tenant, agent }) => this.read(tenant, agent, instanceArn)));
  }
}

/**
 * Connect as a status change sees it: the tenant's binding and the worker's lease from the test's stores, like
 * ConnectStatusPort; a worker start is recorded in `kicks` instead of invoking a function.
 */
export class FakeConnectPort implements StatusConnectPort {
  /** The instances whose worker a change started, in order. */
  readonly kicks: string[] = [];

  constructor(
    private readonly bindings: Pick<ConnectBindingStore, 'connectConfig'>,
    private readonly queue: Pick<ConnectSyncQueue, 'leaseHeld'>,
    private readonly clock: Clock,
  ) {}

  async instanceFor(tenant: string): Promise<string | undefined> {
    return (await this.bindings.connectConfig(tenant))?.instanceArn;
  }

  async draining(instanceArn: string): Promise<boolean> {
    return this.queue.leaseHeld(instanceArn, this.clock.now());
  }

  async kick(instanceArn: string): Promise<void> {
    this.kicks.push(instanceArn);
  }
}

/**
 * One run of the Connect worker on an instance's queue, against a Connect that accepts every call (recorded as
 * `user:status`), the test's stores and fake clock (`sleep` advances it); `overrides` swap any dependency.
 */
export async function drainRecorded(
  h: Pick<SyncDeps, 'reasons' | 'clock'> & {
    readonly syncQueue: ConnectSyncQueue;
    readonly directory: Pick<DirectoryRepository, 'get'>;
    readonly bindings: Pick<ConnectBindingStore, 'connectConfig' | 'tenantForInstance'>;
    readonly clock: Clock & { advance(ms: number): void };
  },
  instanceArn: string,
  overrides: Partial<SyncDeps> = {},
) {
  const calls: string[] = [];
  const report = await drainConnectSync(
    {
      queue: h.syncQueue,
      client: {
        putUserStatus: async (_arn, user, status) => {
          calls.push(`${user}:${status}`);
          return 'ok';
        },
      },
      reasons: h.reasons,
      targets: new FakeSyncTargets(h.directory, h.bindings),
      clock: h.clock,
      sleep: async (ms) => h.clock.advance(ms),
      ...overrides,
    },
    { owner: 'w', instanceArn },
  );
  return { calls, report };
}
