import type { Context } from 'aws-lambda';
import { inactivitySweep } from '#composition/status.ts';
import { logger } from '#shared/powertools.ts';

const runSweeper = inactivitySweep();

/**
 * Sweeps every 2 s for two minutes. Scheduler fires each minute's invocation anywhere within that minute (60 s
 * precision), so two consecutive invocations may start up to 119 s apart: a two-minute run always overlaps the next.
 */
export const RUN_FOR_MS = 120_000;
export const STEP_MS = 2_000;

/**
 * Started every minute: agents silent for longer than their tenant's inactivity window are set Offline (source
 * `system`) within a couple of seconds of their deadline, found through the presence deadline index (a Query per
 * index shard, no Scan).
 */
export const handler = async (_event: unknown, context: Context) => {
  logger.info('Inactivity sweep', { runForMs: RUN_FOR_MS, stepMs: STEP_MS });
  const result = await runSweeper({
    runForMs: RUN_FOR_MS,
    stepMs: STEP_MS,
    sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
    remainingMs: () => context.getRemainingTimeInMillis(),
  });
  logger.info('Inactivity sweep done', result);
  return result;
};
