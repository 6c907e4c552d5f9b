import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { fanOutCoordinator, fanOutEventSchema } from '#composition/messaging.ts';
import type { DeliverySummary } from '#domain/message-model.ts';
import { logger } from '#shared/powertools.ts';

const fanOut = fanOutCoordinator();

/**
 * The fan-out coordinator (async invoke from the send handler and from the recovery sweep): plans the shards, starts
 * every pending shard but the first on `MessageFanOutShard` and runs the first itself. It resumes from the message's
 * checkpoints, so Lambda's two automatic retries of a failed run, or a re-drive, neither lose recipients nor show
 * anything twice. A malformed event is logged and dropped: retrying it could never succeed.
 */
export const handler = middy<unknown, DeliverySummary | null, Error, Context>()
  .use(injectLambdaContext(logger, { resetKeys: true }))
  .handler(async (event) => {
    const parsed = fanOutEventSchema.safeParse(event);
    if (!parsed.success) {
      logger.error('Malformed fan-out event dropped', { issues: parsed.error.issues });
      return null;
    }
    const { tenant, messageId } = parsed.data;
    logger.appendKeys({ tenant, messageId });
    let summary: DeliverySummary | null;
    try {
      summary = await fanOut.deliver(tenant, messageId);
    } catch (error) {
      // Kept on the message: if the recovery sweep gives the send up, this is the reason its sender reads.
      await fanOut.noteError(tenant, messageId, error);
      throw error;
    }
    if (summary) logger.info('Fan-out complete', { ...summary });
    else logger.info('Fan-out started; shards still running (or the message expired or failed)');
    return summary;
  });
