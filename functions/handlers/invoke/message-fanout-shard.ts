import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { fanOutShard, fanOutShardEventSchema } from '#composition/messaging.ts';
import type { DeliverySummary } from '#domain/message-model.ts';
import { logger } from '#shared/powertools.ts';

const shards = fanOutShard();

/**
 * A fan-out shard worker (async invoke from the coordinator, one per shard): writes its recipients' entries, pushes
 * them, records whom it reached and checkpoints. A failure is thrown so that Lambda retries the shard (twice); the
 * retry writes no entry twice and does not push again once the shard recorded its pushes. A malformed event is logged
 * and dropped: retrying it could never succeed.
 */
export const handler = middy<unknown, DeliverySummary | null, Error, Context>()
  .use(injectLambdaContext(logger, { resetKeys: true }))
  .handler(async (event) => {
    const parsed = fanOutShardEventSchema.safeParse(event);
    if (!parsed.success) {
      logger.error('Malformed fan-out shard event dropped', { issues: parsed.error.issues });
      return null;
    }
    const { tenant, messageId, shard } = parsed.data;
    logger.appendKeys({ tenant, messageId, shard });
    try {
      const summary = await shards.deliver(tenant, messageId, shard);
      if (summary) logger.info('Fan-out complete', { ...summary });
      return summary;
    } catch (error) {
      // Kept on the message: if the recovery sweep gives the send up, this is the reason its sender reads.
      await shards.noteError(tenant, messageId, error);
      throw error;
    }
  });
