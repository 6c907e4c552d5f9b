import type { Clock } from './clock.ts';
import { isReasonCode, reasonCode } from './status.ts';
import type { ConnectSyncQueue, ReasonStore, SyncItem, SyncTarget, SyncTargetReader } from './status-ports.ts';

/** The one Connect call this capability makes. `throttled` is Connect's 429 (TooManyRequests/Throttling). */
export interface ConnectStatusClient {
  putUserStatus(instanceArn: string, userId: string, agentStatusId: string): Promise<'ok' | 'throttled'>;
}

export interface SyncDeps {
  readonly queue: ConnectSyncQueue;
  readonly client: ConnectStatusClient;
  readonly reasons: Pick<ReasonStore, 'list'>;
  /**
   * The three checks of an item (profile, the tenant's binding, the instance's claim) in one read, for every item: a
   * status is sent only into the instance bound to its tenant at that moment.
   */
  readonly targets: SyncTargetReader;
  readonly clock: Clock;
  /** Waits; tests pass one that advances a fake clock. */
  readonly sleep: (ms: number) => Promise<void>;
  readonly warn?: (message: string, details: Record<string, unknown>) => void;
}

/**
 * How long a lease seen held stays "held" for the changes of one execution environment (ConnectStatusPort.draining):
 * the worker waits this long between releasing its lease and its last look at the queue, so a change committed within
 * this time of a read that found the lease held is in that last look. A read served after `t` that saw the lease held
 * means the release comes after `t`, the last look after `t` + this grace; a change committed before `t` + grace (both
 * durations, measured on each side's own clock) is there to be found.
 */
export const LEASE_RELEASE_GRACE_MS = 1_000;

export interface SyncOptions {
  /** Identifies this run for the lease. */
  readonly owner: string;
  /** The instance whose queue this run drains (each instance has its own queue, lease and pace). */
  readonly instanceArn: string;
  /** Stop taking new items after this long (the Lambda timeout must exceed it). @default 50_000 */
  readonly budgetMs?: number;
  /** At least this long between two calls: 500 ms keeps under Connect's ~2 requests/s. @default 500 */
  readonly minIntervalMs?: number;
  /** Non-throttling failures before an item is given up (with an error log). @default 10 */
  readonly maxAttempts?: number;
}

export interface SyncReport {
  sent: number;
  throttled: number;
  failed: number;
  skipped: number;
  leased: boolean;
}

/** Drains the queues of several instances side by side (their rate limits are independent). */
export async function drainInstances(
  deps: SyncDeps,
  instances: readonly string[],
  options: Omit<SyncOptions, 'instanceArn'>,
): Promise<Record<string, SyncReport>> {
  const reports = await Promise.all(
    instances.map((instanceArn) => drainConnectSync(deps, { ...options, instanceArn })),
  );
  return Object.fromEntries(instances.map((arn, n) => [arn, reports[n] as SyncReport]));
}

/**
 * Drains one instance's PutUserStatus queue at ≤ 2 requests/s. One run per instance at a time (a lease), so paced
 * runs never add up. A 429
 * keeps the item (retried after a back-off, the pace slows down); nothing is dropped for throttling. Items that
 * cannot be sent — no Connect user id yet, no Connect status mapped for that status — are skipped with a warning.
 */
export async function drainConnectSync(deps: SyncDeps, options: SyncOptions): Promise<SyncReport> {
  const budgetMs = options.budgetMs ?? 50_000;
  const minInterval = options.minIntervalMs ?? 500;
  const maxAttempts = options.maxAttempts ?? 10;
  const report: SyncReport = { sent: 0, throttled: 0, failed: 0, skipped: 0, leased: false };
  const start = deps.clock.now();
  const { instanceArn } = options;
  if (!(await deps.queue.acquireLease(instanceArn, options.owner, start, budgetMs + 15_000))) return report;
  report.leased = true;
  let lastCall = Number.NEGATIVE_INFINITY;
  let interval = minInterval;
  let held = true;
  try {
    while (deps.clock.now() - start < budgetMs) {
      let batch = await deps.queue.pending(instanceArn, deps.clock.now(), 25);
      if (batch.length === 0) {
        // Leaving: release first, then look once more. A change that found the lease held did not start a worker;
        // it looked after its commit, so its item is in this last look (or a newer worker, started after the
        // release, finds it). Without the second look such an item would wait for the schedule. The look waits out
        // the grace during which environments that saw the lease held take it as held without reading it again.
        await deps.queue.releaseLease(instanceArn, options.owner);
        held = false;
        await deps.sleep(LEASE_RELEASE_GRACE_MS);
        batch = await deps.queue.pending(instanceArn, deps.clock.now(), 25);
        if (batch.length === 0) break;
        if (!(await deps.queue.acquireLease(instanceArn, options.owner, deps.clock.now(), budgetMs + 15_000))) break;
        held = true;
      }
      // Every item's checks in one read: those nothing can be sent for (no Connect user id, no mapped status, the
      // instance no longer bound to the tenant) are done at once, so they cost one read per batch, not one each, at
      // any change rate. The others are checked again right before their call: the binding must hold then.
      const checks = await deps.targets.readMany(instanceArn, batch);
      const sendable: SyncItem[] = [];
      for (const [n, item] of batch.entries()) {
        if (await targetOf(deps, item, checks[n] ?? {})) sendable.push(item);
        else {
          report.skipped++;
          await deps.queue.complete(item);
        }
      }
      for (const item of sendable) {
        if (deps.clock.now() - start >= budgetMs) break;
        const target = await resolveTarget(deps, item);
        if (!target) {
          report.skipped++;
          await deps.queue.complete(item);
          continue;
        }
        const wait = lastCall + interval - deps.clock.now();
        if (wait > 0) await deps.sleep(wait);
        lastCall = deps.clock.now();
        try {
          const outcome = await deps.client.putUserStatus(instanceArn, target.userId, target.statusId);
          if (outcome === 'ok') {
            report.sent++;
            interval = Math.max(minInterval, interval / 2);
            await deps.queue.complete(item);
          } else {
            report.throttled++;
            // Slow down for everyone and retry this item later; throttles do not count as attempts.
            interval = Math.min(interval * 2, 8_000);
            await deps.queue.retryLater(item, deps.clock.now() + interval, 'TooManyRequests', false);
          }
        } catch (error) {
          report.failed++;
          if (item.attempts + 1 >= maxAttempts) {
            deps.warn?.('Giving up a Connect status sync', { ...item, error: String(error) });
            await deps.queue.complete(item);
          } else {
            const backoff = Math.min(1000 * 2 ** item.attempts, 5 * 60_000);
            await deps.queue.retryLater(item, deps.clock.now() + backoff, String(error), true);
          }
        }
      }
    }
  } finally {
    if (held) await deps.queue.releaseLease(instanceArn, options.owner);
  }
  return report;
}

/** An item's checks read now: where to send it, or undefined when it cannot be sent (with a warning). */
async function resolveTarget(deps: SyncDeps, item: SyncItem) {
  return targetOf(deps, item, await deps.targets.read(item.tenant, item.agent, item.instanceArn));
}

async function targetOf(
  deps: SyncDeps,
  item: SyncItem,
  { profile, config, owner }: SyncTarget,
): Promise<{ userId: string; statusId: string } | undefined> {
  if (owner !== item.tenant || config?.instanceArn !== item.instanceArn) {
    // Rebound or released since the change was queued: never push one tenant's status into another's instance.
    deps.warn?.('Status not synced to Connect: the instance is no longer bound to the tenant', {
      tenant: item.tenant,
      agent: item.agent,
      instanceArn: item.instanceArn,
    });
    return undefined;
  }
  let statusId = config?.statusMap[item.status];
  if (!statusId && isReasonCode(item.status)) {
    const reasons = await deps.reasons.list(item.tenant);
    statusId = reasons.find((r) => reasonCode(r.id) === item.status)?.connectAgentStatusId;
  }
  if (!profile?.connectUserId || !statusId) {
    deps.warn?.('Status not synced to Connect: no Connect user id or no mapped agent status', {
      tenant: item.tenant,
      agent: item.agent,
      status: item.status,
      hasUser: Boolean(profile?.connectUserId),
      hasStatus: Boolean(statusId),
    });
    return undefined;
  }
  return { userId: profile.connectUserId, statusId };
}
