import { sweepInactive } from '#domain/status-service.ts';
import { logger } from '#shared/powertools.ts';
import { statusChangeDeps } from '#shared/status-runtime.ts';

const deps = statusChangeDeps();

/**
 * Every minute: agents silent for longer than their tenant's inactivity window are set Offline (source `system`),
 * found through the presence deadline index (a Query per index shard, no Scan).
 */
export const handler = async (): Promise<{ due: number; setOffline: number }> => {
  const result = await sweepInactive(deps);
  logger.info('Inactivity sweep', result);
  return result;
};
