import { randomUUID } from 'node:crypto';
import type { Context } from 'aws-lambda';
import { drainConnectSync } from '#domain/status-connect-sync.ts';
import { logger } from '#shared/powertools.ts';
import { connectInstanceId, syncDeps } from '#shared/status-runtime.ts';

// Without a Connect instance nothing is ever queued: the schedule runs and does nothing.
const deps = connectInstanceId() ? syncDeps() : undefined;

/**
 * Every minute (and on demand): drains the PutUserStatus queue at ≤ 2 requests/s for up to ~50 s, leaving margin to
 * the function timeout (60 s in the registry). One run holds a lease, so overlapping runs never double the rate.
 */
export const handler = async (_event: unknown, context?: Context) => {
  if (!deps) return { skipped: 'Connect is not configured' };
  const remaining = context?.getRemainingTimeInMillis?.() ?? 60_000;
  const report = await drainConnectSync(deps, { owner: randomUUID(), budgetMs: Math.max(1_000, remaining - 10_000) });
  logger.info('Connect status sync', { ...report });
  return report;
};
