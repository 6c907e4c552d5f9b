import { randomUUID } from 'node:crypto';
import type { Context } from 'aws-lambda';
import * as z from 'zod';
import { connectInstances, connectSyncDrain } from '#composition/status.ts';
import { logger } from '#shared/powertools.ts';

const instances = connectInstances();
const drainInstances = connectSyncDrain();
/** A kick names the instance whose queue got an item; the schedule's empty input drains every instance. */
const inputSchema = z.object({ instanceArn: z.string().optional() }).loose();

/**
 * Every minute (and on demand): drains the PutUserStatus queue of each configured instance at ≤ 2 requests/s for up
 * to ~50 s, leaving margin to the function timeout (60 s in the registry). One run per instance holds that instance's
 * lease, so overlapping runs never double its rate; instances are drained side by side.
 */
export const handler = async (event: unknown, context?: Context) => {
  const input = inputSchema.safeParse(event ?? {});
  const asked = input.success ? input.data.instanceArn : undefined;
  // Only configured instances: an input naming any other is ignored, never called.
  const targets = asked ? instances.filter((arn) => arn === asked) : instances;
  if (targets.length === 0) return { skipped: 'no configured Connect instance to drain' };
  const remaining = context?.getRemainingTimeInMillis?.() ?? 60_000;
  const reports = await drainInstances(targets, {
    owner: randomUUID(),
    budgetMs: Math.max(1_000, remaining - 10_000),
  });
  logger.info('Connect status sync', { reports });
  return reports;
};
