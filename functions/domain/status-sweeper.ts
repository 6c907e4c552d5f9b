import { type StatusDeps, sweepInactive } from './status-service.ts';

export interface SweeperOptions {
  /** How long this run keeps sweeping, measured on the deps' clock. */
  readonly runForMs: number;
  /** The pause between sweeps: what auto-Offline may be late by, at most, beyond the deadline. */
  readonly stepMs: number;
  readonly sleep: (ms: number) => Promise<void>;
  /** What the invocation has left (Lambda's `getRemainingTimeInMillis`): the run ends before its timeout does. */
  readonly remainingMs: () => number;
}

/**
 * Auto-Offline within seconds of the window: EventBridge Scheduler cannot fire more often than once a minute (and
 * fires within the minute, not at its start), so each minute's invocation sweeps every `stepMs` for `runForMs` —
 * longer than a minute, so that consecutive runs overlap and no deadline falls into a gap. Overlapping sweeps are
 * harmless: each agent is cleared by a conditional write on its deadline, so only one sweep sets it Offline. A failed
 * sweep is reported and the next one tries again (the failed agent went back into the index); the run then fails.
 */
export async function runSweeper(
  deps: StatusDeps,
  options: SweeperOptions,
): Promise<{ sweeps: number; due: number; setOffline: number }> {
  const start = deps.clock.now();
  const totals = { sweeps: 0, due: 0, setOffline: 0 };
  let failure: unknown;
  for (;;) {
    try {
      const { due, setOffline } = await sweepInactive(deps);
      totals.due += due;
      totals.setOffline += setOffline;
    } catch (error) {
      failure = error;
      deps.warn?.('Inactivity sweep failed', { error: String(error) });
    }
    totals.sweeps++;
    const elapsed = deps.clock.now() - start;
    if (elapsed + options.stepMs > options.runForMs || options.remainingMs() < options.stepMs * 2) break;
    await options.sleep(options.stepMs);
  }
  if (failure) throw failure;
  return totals;
}
