import { stalledSendsSweep } from '#composition/messaging.ts';
import { logger } from '#shared/powertools.ts';

const sweeper = stalledSendsSweep();

/**
 * Every minute: accepted sends whose fan-out stopped (a crash, a worker that exhausted Lambda's retries) are found
 * through the in-flight index and re-driven from their checkpoints; those that never progress end `failed`, and their
 * senders are told why.
 */
export const handler = async (): Promise<{ stalled: number; redriven: number; failed: number }> => {
  const result = await sweeper.sweep();
  if (result.stalled > 0) logger.warn('Stalled sends found', { ...result });
  return result;
};
