import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConnectStatusPort } from '../../functions/adapters/connect-status-sync.ts';
import type { Principal } from '../../functions/domain/principal.ts';
import { LEASE_RELEASE_GRACE_MS } from '../../functions/domain/status-connect-sync.ts';
import type { ConnectSyncQueue } from '../../functions/domain/status-ports.ts';
import { setOwnStatus } from '../../functions/domain/status-service.ts';
import { type Harness, startStatusDynamo, statusHarness } from '../support/status-dynalite.ts';
import { drainRecorded } from '../support/status-fakes.ts';

const INSTANCE = 'arn:aws:connect:eu-west-2:111122223333:instance/11111111-2222-3333-4444-888888888888';

let db: Awaited<ReturnType<typeof startStatusDynamo>>;
beforeAll(async () => {
  db = await startStatusDynamo();
});
afterAll(async () => {
  await db.close();
});

/**
 * The harness's change dependencies with the real lease check of the Connect port (kicks are recorded by the harness):
 * the harness's fake reads the same lease, but here the adapter's own check is under test.
 */
function withLeaseCheck(h: Harness) {
  // The harness's clock is also the port's monotonic one, so a test moves both.
  const leaseReads: number[] = [];
  const counted = {
    leaseHeld: (arn: string, now: number) => {
      leaseReads.push(h.clock.now());
      return h.syncQueue.leaseHeld(arn, now);
    },
  };
  // The port's own starts, through a Lambda client that records them in the harness's `kicks` (a failing one throws).
  const lambda = {
    failing: false,
    send: async (command: { input: { Payload?: Uint8Array } }) => {
      if (lambda.failing) throw new Error('Lambda unavailable');
      const { instanceArn } = JSON.parse(new TextDecoder().decode(command.input.Payload)) as { instanceArn: string };
      h.kicks.push(instanceArn);
      return { StatusCode: 202 };
    },
  };
  const port = new ConnectStatusPort(
    h.bindings,
    lambda as never,
    'SyncWorker',
    counted,
    () => h.clock.now(),
    () => h.clock.now(),
  );
  const connect = h.deps.connect;
  if (!connect) throw new Error('the harness needs connect: true');
  return {
    ...h.deps,
    connect: {
      instanceFor: (tenant: string) => connect.instanceFor(tenant),
      kick: (instanceArn: string) => port.kick(instanceArn),
      draining: (instanceArn: string) => port.draining(instanceArn),
    },
    leaseReads,
    lambda,
  };
}

async function prepare(tenant: string, instance: string, agents: readonly string[]) {
  const h = statusHarness(db.client, db.table, { connect: true });
  await h.bindConnect(tenant, instance, { available: 'st-avail', away: 'st-away', busy: 'st-busy' });
  for (const a of agents) await h.directory.syncFromConnect(tenant, a, { queues: [], connectUserId: `u-${a}` });
  return h;
}

describe('starting the Connect worker only when none is draining', () => {
  it('starts it when no worker holds the lease or the lease has expired, and not while one holds it', async () => {
    const instance = INSTANCE.replace('8888', '8881');
    const h = await prepare('tkick1', instance, ['k1']);
    const deps = withLeaseCheck(h);
    const agent: Principal = { tenant: 'tkick1', user: 'k1', role: 'agent' };

    await setOwnStatus(deps, agent, 'available');
    expect(h.kicks).toEqual([instance]);

    expect(await h.syncQueue.acquireLease(instance, 'w1', h.clock.now(), 60_000)).toBe(true);
    await setOwnStatus(deps, agent, 'away');
    expect(h.kicks).toEqual([instance]);

    // A worker that died holding the lease: once the lease has expired, changes start a worker again.
    h.clock.advance(60_001);
    await setOwnStatus(deps, agent, 'busy');
    expect(h.kicks).toEqual([instance, instance]);
  });

  it('a change that lands while the worker is leaving, and so starts none, is still sent by that worker', async () => {
    const instance = INSTANCE.replace('8888', '8882');
    const h = await prepare('tkick2', instance, ['k2', 'k3']);
    const deps = withLeaseCheck(h);
    await setOwnStatus(deps, { tenant: 'tkick2', user: 'k2', role: 'agent' }, 'available');
    expect(h.kicks).toEqual([instance]);

    // The worst moment: the worker has found its queue empty and is about to leave; k3's change commits right then,
    // sees the lease still held and starts no worker.
    const q = h.syncQueue;
    let landed = false;
    const queue: ConnectSyncQueue = {
      enqueue: (item) => q.enqueue(item),
      complete: (item) => q.complete(item),
      retryLater: (...args) => q.retryLater(...args),
      acquireLease: (...args) => q.acquireLease(...args),
      releaseLease: (...args) => q.releaseLease(...args),
      leaseHeld: (...args) => q.leaseHeld(...args),
      pending: async (arn, now, limit) => {
        const items = await q.pending(arn, now, limit);
        if (items.length === 0 && !landed) {
          landed = true;
          await setOwnStatus(deps, { tenant: 'tkick2', user: 'k3', role: 'agent' }, 'away');
        }
        return items;
      },
    };
    const { calls, report } = await drainRecorded(h, instance, {
      queue,
    });

    expect(landed).toBe(true);
    expect(h.kicks).toEqual([instance]);
    expect(calls).toEqual(['u-k2:st-avail', 'u-k3:st-away']);
    expect(report).toMatchObject({ sent: 2, leased: true });
    expect(await q.pending(instance, Number.MAX_SAFE_INTEGER, 100)).toEqual([]);
    // …and the worker left its lease released.
    expect(await q.leaseHeld(instance, h.clock.now())).toBe(false);
  });

  it('a lease seen held answers for the grace without another read; after it the lease is read again', async () => {
    const instance = INSTANCE.replace('8888', '8883');
    const h = await prepare('tkick3', instance, ['k1', 'k2', 'k3', 'k4']);
    const deps = withLeaseCheck(h);
    const change = (user: string, status: string) =>
      setOwnStatus(deps, { tenant: 'tkick3', user, role: 'agent' }, status);
    expect(await h.syncQueue.acquireLease(instance, 'w1', h.clock.now(), 60_000)).toBe(true);

    const seen = h.clock.now();
    await change('k1', 'available');
    h.clock.advance(LEASE_RELEASE_GRACE_MS - 1);
    await change('k2', 'available');
    await change('k3', 'available');
    // One read for three changes, and no worker started: one holds the lease.
    expect(deps.leaseReads).toEqual([seen]);
    expect(h.kicks).toEqual([]);

    h.clock.advance(1);
    await change('k4', 'available');
    expect(deps.leaseReads).toEqual([seen, seen + LEASE_RELEASE_GRACE_MS]);

    // Released: the next read finds no lease and starts a worker, which covers the change after it.
    await h.syncQueue.releaseLease(instance, 'w1');
    h.clock.advance(LEASE_RELEASE_GRACE_MS);
    await change('k1', 'away');
    await change('k2', 'away');
    expect(deps.leaseReads).toHaveLength(3);
    expect(h.kicks).toEqual([instance]);
  });

  it("a change that takes the lease as held from an earlier read, landing after the worker's release, is still sent", async () => {
    const instance = INSTANCE.replace('8888', '8884');
    const h = await prepare('tkick4', instance, ['k4', 'k5', 'k6']);
    const deps = withLeaseCheck(h);
    const change = (user: string, status: string) =>
      setOwnStatus(deps, { tenant: 'tkick4', user, role: 'agent' }, status);
    await change('k4', 'available');
    expect(h.kicks).toEqual([instance]);
    // Past the grace of that start: what covers k6 below is k5's read of the lease.
    h.clock.advance(LEASE_RELEASE_GRACE_MS);

    const q = h.syncQueue;
    const timeline: string[] = [];
    let releasedAt: number | undefined;
    const lookedAt: number[] = [];
    const queue: ConnectSyncQueue = {
      enqueue: (item) => q.enqueue(item),
      complete: (item) => q.complete(item),
      retryLater: (...args) => q.retryLater(...args),
      acquireLease: (...args) => q.acquireLease(...args),
      releaseLease: async (...args) => {
        releasedAt ??= h.clock.now();
        timeline.push('release');
        await q.releaseLease(...args);
      },
      leaseHeld: (...args) => q.leaseHeld(...args),
      pending: async (arn, now, limit) => {
        if (releasedAt !== undefined) lookedAt.push(h.clock.now());
        const items = await q.pending(arn, now, limit);
        // The queue looks empty to the worker, which is about to leave; k5's change reads the lease, held.
        if (items.length === 0 && releasedAt === undefined) {
          await change('k5', 'away');
          timeline.push('k5');
        }
        return items;
      },
    };
    const { calls, report } = await drainRecorded(h, instance, {
      queue,
      sleep: async (ms) => {
        if (releasedAt !== undefined && !timeline.includes('k6')) {
          // The last moment of the worker's wait: k6 commits, taking the lease as held from k5's read.
          h.clock.advance(ms - 1);
          await change('k6', 'busy');
          timeline.push('k6');
          h.clock.advance(1);
        } else h.clock.advance(ms);
      },
    });

    expect(timeline.slice(0, 3)).toEqual(['k5', 'release', 'k6']);
    // k4's read and k5's; k6 read nothing and started nothing.
    expect(deps.leaseReads).toHaveLength(2);
    expect(h.kicks).toEqual([instance]);
    expect(calls).toEqual(['u-k4:st-avail', 'u-k5:st-away', 'u-k6:st-busy']);
    expect(report).toMatchObject({ sent: 3, leased: true });
    // The last look comes a whole grace after the release: what a remembered lease covers.
    expect(lookedAt[0]).toBeGreaterThanOrEqual((releasedAt ?? 0) + LEASE_RELEASE_GRACE_MS);
    expect(await q.pending(instance, Number.MAX_SAFE_INTEGER, 100)).toEqual([]);
  });

  it('a start counts as a worker looking a grace later: changes within it neither read nor start; a failed one counts not', async () => {
    const instance = INSTANCE.replace('8888', '8885');
    const h = await prepare('tkick5', instance, ['k7', 'k8', 'k9']);
    const deps = withLeaseCheck(h);
    const change = (user: string, status: string) =>
      setOwnStatus(deps, { tenant: 'tkick5', user, role: 'agent' }, status);

    await change('k7', 'available');
    expect(h.kicks).toEqual([instance]);
    // The started worker has not taken the lease yet; k8's change within the grace relies on it.
    h.clock.advance(LEASE_RELEASE_GRACE_MS - 1);
    await change('k8', 'available');
    expect(h.kicks).toEqual([instance]);
    expect(deps.leaseReads).toHaveLength(1);

    // The worker runs now (after the start): its last look, a grace after its release, finds both changes.
    const { calls, report } = await drainRecorded(h, instance);
    expect(report).toMatchObject({ sent: 2, leased: true });
    expect(calls.sort()).toEqual(['u-k7:st-avail', 'u-k8:st-avail']);

    // Past the grace: a change reads the lease again (free) and starts a worker; a start that failed covers nothing.
    deps.lambda.failing = true;
    await change('k9', 'available');
    expect(deps.leaseReads).toHaveLength(2);
    deps.lambda.failing = false;
    await change('k9', 'away');
    expect(deps.leaseReads).toHaveLength(3);
    expect(h.kicks).toEqual([instance, instance]);
  });

  it("a change relying on a start is in that worker's last look, even when the worker was done before it", async () => {
    const instance = INSTANCE.replace('8888', '8886');
    const h = await prepare('tkick6', instance, ['k10', 'k11']);
    const deps = withLeaseCheck(h);
    const change = (user: string, status: string) =>
      setOwnStatus(deps, { tenant: 'tkick6', user, role: 'agent' }, status);
    const startedAt = h.clock.now();
    await change('k10', 'available');
    expect(h.kicks).toEqual([instance]);

    // The started worker runs at once and has sent k10's status when k11 commits, at the grace's last moment (its
    // first wait is the one after its release).
    let k11 = false;
    const { calls, report } = await drainRecorded(h, instance, {
      sleep: async (ms) => {
        if (!k11 && h.clock.now() + ms >= startedAt + LEASE_RELEASE_GRACE_MS) {
          h.clock.advance(startedAt + LEASE_RELEASE_GRACE_MS - 1 - h.clock.now());
          await change('k11', 'away');
          k11 = true;
          h.clock.advance(startedAt + ms - h.clock.now());
        } else h.clock.advance(ms);
      },
    });

    expect(k11).toBe(true);
    // k11 neither read the lease nor started a worker: the worker's last look found it.
    expect(deps.leaseReads).toHaveLength(1);
    expect(h.kicks).toEqual([instance]);
    expect(calls).toEqual(['u-k10:st-avail', 'u-k11:st-away']);
    expect(report).toMatchObject({ sent: 2 });
  });
});
