import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { deliveredReceiptsEventSchema, receiptsWorker } from '#composition/messaging.ts';
import { logger } from '#shared/powertools.ts';

const receipts = receiptsWorker();

/**
 * The receipts worker (async invoke from `sync` and `GET /inbox`): marks the entries an agent was just handed as
 * delivered. Idempotent, so Lambda's retries are harmless; a malformed event is logged and dropped.
 */
export const handler = middy<unknown, void, Error, Context>()
  .use(injectLambdaContext(logger, { resetKeys: true }))
  .handler(async (event) => {
    const parsed = deliveredReceiptsEventSchema.safeParse(event);
    if (!parsed.success) {
      logger.error('Malformed receipts event dropped', { issues: parsed.error.issues });
      return;
    }
    await receipts.apply(parsed.data);
  });
