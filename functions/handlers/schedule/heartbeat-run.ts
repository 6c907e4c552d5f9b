import { randomUUID } from 'node:crypto';
import { heartbeatRunDeps } from '#composition/heartbeats.ts';
import { heartbeatTickSchema } from '#domain/heartbeat-schemas.ts';
import { runHeartbeats } from '#domain/heartbeats.ts';
import { logger } from '#shared/powertools.ts';

const deps = heartbeatRunDeps();

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
  const report = await runHeartbeats(deps, parsed.data.tenant, randomUUID());
  logger.info('Heartbeat run', { ...report });
  return report;
};
