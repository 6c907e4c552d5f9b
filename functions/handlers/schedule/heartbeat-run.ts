import { randomUUID } from 'node:crypto';
import { heartbeatTickSchema, runHeartbeats } from '#composition/heartbeats.ts';
import { logger } from '#shared/powertools.ts';

const run = runHeartbeats();

/**
 * Fired every minute by the tenant's schedule (`{"tenant": "<id>"}`): times out stale tests and starts new ones. A
 * malformed event is logged and dropped — retrying it could never succeed.
 */
export const handler = async (event: unknown) => {
  const parsed = heartbeatTickSchema.safeParse(event);
  if (!parsed.success) {
    logger.error('Heartbeat run: invalid schedule input', { issues: parsed.error.issues });
    return { skipped: 'invalid-input' };
  }
  logger.appendKeys({ tenant: parsed.data.tenant });
  const report = await run(parsed.data.tenant, randomUUID());
  logger.info('Heartbeat run', { ...report });
  return report;
};
