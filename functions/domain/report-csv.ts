import { type IssueReport, REPORT_CATEGORY_LABELS, REPORT_SEVERITY_LABELS } from './report-model.ts';

/**
 * The CSV export of issue reports (RFC 4180: comma separated, CRLF line ends, fields quoted when they hold a comma,
 * a quote or a line break, quotes doubled). Spreadsheets run a cell that starts with = + - @ (or a tab or carriage
 * return) as a formula, so a note such as `=HYPERLINK(...)` typed by anyone would execute on a supervisor's machine:
 * such cells are prefixed with a single quote, which the spreadsheet shows as text (OWASP "CSV injection").
 */
type Cell = string | number | boolean | undefined;

const COLUMNS: ReadonlyArray<readonly [string, (r: IssueReport) => Cell]> = [
  ['id', (r) => r.id],
  ['reportedAt', (r) => r.reportedAt],
  ['occurredAt', (r) => r.occurredAt],
  ['agent', (r) => r.agent],
  ['agentName', (r) => r.agentName],
  ['team', (r) => r.team],
  ['queues', (r) => r.queues.join(';')],
  ['category', (r) => r.category],
  ['categoryLabel', (r) => REPORT_CATEGORY_LABELS[r.category]],
  ['severity', (r) => r.severity],
  ['severityLabel', (r) => REPORT_SEVERITY_LABELS[r.severity]],
  ['status', (r) => r.status?.code],
  ['statusLabel', (r) => r.status?.label],
  ['contactId', (r) => r.contactId],
  ['alertId', (r) => r.alert?.id],
  ['alertType', (r) => r.alert?.type],
  ['alertVerified', (r) => r.alert?.verified],
  ['errorShown', (r) => r.errorShown],
  ['notes', (r) => r.notes],
  ['cpuPercent', (r) => r.cpuPercent],
  ['memoryPercent', (r) => r.memoryPercent],
  ['browserName', (r) => r.browserName],
  ['browserVersion', (r) => r.browserVersion],
  ['extensionVersion', (r) => r.extensionVersion],
];

/** Leading characters a spreadsheet may read as the start of a formula (full-width forms included). */
const FORMULA_START = /^[\s]*[=+\-@\uff1d\uff0b\uff0d\uff20]|^[\t\r]/;

export const CSV_LINE_END = '\r\n';

/** One field, safe to open in a spreadsheet. Numbers and booleans are written as they are (they cannot be formulas). */
export function csvCell(value: Cell): string {
  if (value === undefined) return '';
  if (typeof value !== 'string') return String(value);
  const text = FORMULA_START.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(text) || text !== text.trim() ? `"${text.replaceAll('"', '""')}"` : text;
}

export function csvHeader(): string {
  return COLUMNS.map(([name]) => name).join(',') + CSV_LINE_END;
}

export function csvRow(report: IssueReport): string {
  return COLUMNS.map(([, get]) => csvCell(get(report))).join(',') + CSV_LINE_END;
}
