import { createReport, idempotencyKeySchema, reportBodySchema, toReportInput } from '#composition/reports.ts';
import { authedRoute } from '#shared/http.ts';
import { parseOrThrow } from '#shared/validation.ts';

const create = createReport();

/**
 * POST /reports — the caller reports a problem (any role; always about the caller). `Idempotency-Key` (header) or
 * `clientReportId` (body) makes a retry return the stored report: 201 created, 200 replayed, 422 key reused.
 */
export const handler = authedRoute(
  { roles: ['agent', 'supervisor', 'admin'], action: 'report issues', body: reportBodySchema },
  async ({ principal, body, headers }) => {
    const rawKey = headers['idempotency-key'];
    const key = rawKey === undefined ? undefined : parseOrThrow(idempotencyKeySchema, rawKey, 'Idempotency-Key header');
    const result = await create(principal, toReportInput(body), key);
    return { statusCode: result.replayed ? 200 : 201, body: result };
  },
);
