import { reportCreateDeps } from '#composition/reports.ts';
import { reportFrameSchema, toReportInput } from '#domain/report-schemas.ts';
import { createReport } from '#domain/reports.ts';
import { wsAction } from '#shared/ws.ts';

const deps = reportCreateDeps();

/**
 * `{"action":"reportIssue","category","severity",…,"idempotencyKey"?}` → `{type:'reportAccepted', report, replayed}`.
 * The WebSocket twin of POST /reports.
 */
export const handler = wsAction(
  { roles: ['agent', 'supervisor', 'admin'], action: 'report issues', body: reportFrameSchema },
  async ({ principal, body }) => ({
    type: 'reportAccepted',
    ...(await createReport(deps, principal, toReportInput(body), body.idempotencyKey)),
  }),
);
