import type { Clock } from './clock.ts';
import { epochSeconds } from './clock.ts';
import type { MessageRecord } from './message-model.ts';
import type { FanOutDispatcher, MessageStore } from './message-ports.ts';
import type { Notifier } from './notifier.ts';

/**
 * Recovery of accepted sends. A message is `sending` from the moment it is accepted until its fan-out completes; the
 * fan-out checkpoints every chunk, so a re-started run resumes where the last one stopped and writes nothing twice
 * (inbox entries are keyed by message + agent). What can still go wrong is that no run is left: the process died
 * (a crash, a restart of the local runtime) or Lambda gave up after its retries. The recovery sweep finds such sends
 * through the in-flight index (every `sending` message, ordered by its last progress) and re-drives them; a send that
 * makes no progress through `MAX_REDRIVES` re-drives ends `failed`, and its sender is told why — live and over REST.
 */

/** No checkpoint for this long: the run is presumed dead. A chunk (≤ 500 recipients) takes a few seconds at most. */
export const STALLED_AFTER_MS = 30 * 1000;
/** Re-drives without any progress before a send is given up as `failed`. */
export const MAX_REDRIVES = 3;
/** Stalled sends handled per sweep run (the next run takes the rest). */
const SWEEP_BATCH = 100;

export interface RecoveryDeps {
  readonly messages: MessageStore;
  readonly dispatcher: FanOutDispatcher;
  readonly notifier: Notifier;
  readonly clock: Clock;
}

export interface SweepResult {
  readonly stalled: number;
  readonly redriven: number;
  readonly failed: number;
}

/** Ends a send as `failed` and tells its sender (a `messageStatus` event; `GET /messages/{id}` shows the same). */
export async function failSend(deps: RecoveryDeps, record: MessageRecord, reason: string): Promise<boolean> {
  const now = deps.clock.now();
  if (!(await deps.messages.fail(record.tenant, record.id, reason, now))) return false;
  await deps.notifier.toUser(record.tenant, record.from.id, {
    type: 'messageStatus',
    messageId: record.id,
    status: 'failed',
    summary: null,
    failure: { reason, at: new Date(now).toISOString() },
  });
  return true;
}

/** One sweep: every send stalled for `STALLED_AFTER_MS` is re-driven once, or failed after `MAX_REDRIVES`. */
export async function sweepStalledSends(deps: RecoveryDeps): Promise<SweepResult> {
  const now = deps.clock.now();
  const stalled = await deps.messages.listStalled(now - STALLED_AFTER_MS, SWEEP_BATCH);
  let redriven = 0;
  let failed = 0;
  for (const record of stalled) {
    if (record.expiresAt <= epochSeconds(now)) {
      // Past the tenant's cleardown nobody can read it any more: stop trying, and say so.
      if (await failSend(deps, record, 'cleared down before delivery completed')) failed++;
      continue;
    }
    const attempts = await deps.messages.claimRedrive(record.tenant, record.id, record.lastProgressAt, now);
    if (attempts === undefined) continue; // progress or another sweep got there first
    if (attempts > MAX_REDRIVES) {
      const why = record.lastError ?? 'the fan-out made no progress';
      if (await failSend(deps, record, `delivery stopped after ${MAX_REDRIVES} restarts: ${why}`)) failed++;
      continue;
    }
    await deps.dispatcher.dispatch(record.tenant, record.id);
    redriven++;
  }
  return { stalled: stalled.length, redriven, failed };
}
