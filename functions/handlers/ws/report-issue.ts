import { createReport, reportFrameSchema, toReportInput } from '#composition/reports.ts';
import { wsAction } from '#shared/ws.ts';

const create = createReport();

/**
 * `{"action":"reportIssue","category","severity",…,"idempotencyKey"?}` → `{type:'reportAccepted', report, replayed}`.
 * The WebSocket twin of POST /reports.
 */
export const handler = wsAction(
  { roles: ['agent', 'supervisor', 'admin'], action: 'report issues', body: reportFrameSchema },
  async ({ principal, body }) => ({
    type: 'reportAccepted',
    ...(await create(principal, toReportInput(body), body.idempotencyKey)),
  }),
);
