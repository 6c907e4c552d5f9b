import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import * as z from 'zod';
import { applyDeliveredReceipts } from '#domain/messages.ts';
import { inboxRepository } from '#shared/messaging-runtime.ts';
import { logger } from '#shared/powertools.ts';
import { tenantIdSchema, userIdSchema } from '#shared/schemas.ts';

const deps = { inbox: inboxRepository() };

const eventSchema = z.object({
  tenant: tenantIdSchema,
  agentId: userIdSchema,
  messageIds: z
    .array(z.string().regex(/^[0-9a-f]{32}$/))
    .min(1)
    .max(5000),
  atMs: z.number().int().positive(),
});

/**
 * The receipts worker (async invoke from `sync` and `GET /inbox`): marks the entries an agent was just handed as
 * delivered. Idempotent, so Lambda's retries are harmless; a malformed event is logged and dropped.
 */
export const handler = middy<unknown, void, Error, Context>()
  .use(injectLambdaContext(logger, { resetKeys: true }))
  .handler(async (event) => {
    const parsed = eventSchema.safeParse(event);
    if (!parsed.success) {
      logger.error('Malformed receipts event dropped', { issues: parsed.error.issues });
      return;
    }
    await applyDeliveredReceipts(deps, parsed.data);
  });
