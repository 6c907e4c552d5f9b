import { exportReports, exportReportsQuerySchema } from '#composition/reports.ts';
import { authedRoute } from '#shared/http.ts';

const exportPage = exportReports();

/**
 * GET /reports/export?from&to&…filters&cursor&limit — a period's reports as CSV (supervisors, admins). A long period
 * comes in pages: `x-next-cursor` is set while more rows remain.
 */
export const handler = authedRoute(
  { roles: ['supervisor', 'admin'], action: 'export reports', query: exportReportsQuerySchema },
  async ({ principal, query: { cursor, limit, ...filter } }) => {
    const page = await exportPage(principal, filter, { cursor, maxRows: limit });
    const day = (iso: string) => iso.slice(0, 10);
    return {
      text: page.csv,
      headers: {
        'content-type': 'text/csv; charset=utf-8; header=present',
        'content-disposition': `attachment; filename="reports-${day(filter.from)}-${day(filter.to)}.csv"`,
        'x-row-count': String(page.rows),
        ...(page.cursor ? { 'x-next-cursor': page.cursor } : {}),
      },
    };
  },
);
