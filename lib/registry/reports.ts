import type { HandlerDefinition } from './types.ts';

/** Creating a report pushes a `report` event to the tenant's live feed (supervisors' consoles). */
const reports = { tables: { main: 'readwrite' }, manageConnections: true } as const;
/** Lists and exports only read: no @connections endpoint, no write grant. */
const readsReports = { tables: { main: 'read' } } as const;

/** Issue reports: agents report problems; supervisors and admins list, watch and export them. */
export const reportHandlers: readonly HandlerDefinition[] = [
  {
    name: 'HttpReportsCreate',
    entry: 'functions/handlers/http/reports-create.ts',
    description: 'The caller reports a problem (idempotent with Idempotency-Key or clientReportId)',
    trigger: { kind: 'http', method: 'POST', path: '/reports', auth: 'jwt' },
    access: reports,
  },
  {
    name: 'HttpReportsList',
    entry: 'functions/handlers/http/reports-list.ts',
    description: "Supervisors filter the tenant's reports; agents list their own",
    trigger: { kind: 'http', method: 'GET', path: '/reports', auth: 'jwt' },
    access: readsReports,
  },
  {
    name: 'HttpReportsExport',
    entry: 'functions/handlers/http/reports-export.ts',
    description: "A period's reports as CSV (supervisors, admins), paginated",
    trigger: { kind: 'http', method: 'GET', path: '/reports/export', auth: 'jwt' },
    access: readsReports,
  },
  {
    name: 'WsReportIssue',
    entry: 'functions/handlers/ws/report-issue.ts',
    description: 'reportIssue: the WebSocket twin of POST /reports',
    trigger: { kind: 'ws', route: 'reportIssue' },
    access: reports,
  },
];
