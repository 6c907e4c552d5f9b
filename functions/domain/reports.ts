import type { Clock } from './clock.ts';
import { epochSeconds } from './clock.ts';
import type { DirectoryRepository } from './directory.ts';
import { ForbiddenError, NotFoundError, ValidationError } from './errors.ts';
import type { Principal } from './principal.ts';
import { requireRole } from './principal.ts';
import { csvHeader, csvRow } from './report-csv.ts';
import {
  type AlertLookup,
  applyAlertPrefill,
  type IssueReport,
  REPORT_LIMITS,
  type ReportFeed,
  type ReportFilter,
  type ReportInput,
  ReportKeyReusedError,
  type ReportRepository,
  type ReportView,
  reportIdFor,
  reportRequestHash,
  reportView,
  type StatusAtTime,
} from './report-model.ts';
import type { SettingsRepository } from './settings.ts';
import { isReasonCode, labelOf } from './status.ts';
import type { ReasonStore, StatusStore } from './status-ports.ts';

/** The use cases of issue reports: report (REST and WebSocket), list (own or the tenant's), export a period as CSV. */

const DAY_MS = 86_400_000;
const SUPERVISING = ['supervisor', 'admin'] as const;

export interface ReportCreateDeps {
  readonly reports: ReportRepository;
  readonly directory: Pick<DirectoryRepository, 'get'>;
  readonly statuses: Pick<StatusStore, 'get' | 'lastLogBefore'>;
  readonly reasons: Pick<ReasonStore, 'list'>;
  readonly settings: Pick<SettingsRepository, 'get'>;
  readonly feed: ReportFeed;
  readonly clock: Clock;
  /**
   * The alerts capability's store (wired in composition/reports.ts). Without it a report flagged from an alert keeps
   * the contact id, type and error the client pre-filled, marked `verified: false`.
   */
  readonly alerts?: AlertLookup;
  readonly warn: (message: string, details: Record<string, unknown>) => void;
}

export interface ReportReadDeps {
  readonly reports: ReportRepository;
}

export interface CreateReportResult {
  readonly report: ReportView;
  /** True when this call replayed an earlier one with the same idempotency key / client report id. */
  readonly replayed: boolean;
}

function occurredAtOf(input: ReportInput, now: number): string {
  if (input.occurredAt === undefined) return new Date(now).toISOString();
  const at = Date.parse(input.occurredAt);
  const oldest = now - REPORT_LIMITS.occurredMaxAgeDays * DAY_MS;
  if (at > now + REPORT_LIMITS.occurredMaxSkewMs || at < oldest) {
    const message = `occurredAt must be within the last ${REPORT_LIMITS.occurredMaxAgeDays} days and not in the future`;
    throw new ValidationError(`Invalid request body: occurredAt: ${message}`, [{ path: 'occurredAt', message }]);
  }
  return input.occurredAt;
}

/**
 * The agent's status when the problem occurred: the current status if it began before then, else the last change
 * the status log holds before that moment. Unknown when neither tells (a new agent, a log past its retention).
 */
async function statusAt(
  deps: ReportCreateDeps,
  tenant: string,
  agent: string,
  occurredAt: string,
): Promise<StatusAtTime | undefined> {
  const current = await deps.statuses.get(tenant, agent);
  let code: string | undefined;
  if (current && Date.parse(current.since) <= Date.parse(occurredAt)) code = current.status;
  else if (current) {
    const justAfter = new Date(Date.parse(occurredAt) + 1).toISOString();
    code = (await deps.statuses.lastLogBefore(tenant, agent, justAfter))?.to;
  }
  if (code === undefined) return undefined;
  const reasons = isReasonCode(code) ? await deps.reasons.list(tenant) : [];
  return { code, label: labelOf(code, reasons) };
}

/**
 * Stores a report of the caller (any role reports its own problems) once per idempotency key, with what the server
 * knows: the team and queues from the directory, the status at the time, the report time. Supervisors watching the
 * tenant's live feed get a `report` event; a replay returns the stored report and pushes nothing again.
 */
export async function createReport(
  deps: ReportCreateDeps,
  principal: Principal,
  input: ReportInput,
  idempotencyKey?: string,
): Promise<CreateReportResult> {
  const now = deps.clock.now();
  const occurredAt = occurredAtOf(input, now);
  const key = idempotencyKey ?? (input.clientReportId === undefined ? undefined : `client-id:${input.clientReportId}`);
  let alert: Awaited<ReturnType<AlertLookup['get']>>;
  if (input.alertId !== undefined && deps.alerts) {
    alert = await deps.alerts.get(principal.tenant, principal.user, input.alertId);
    if (!alert) throw new NotFoundError(`No alert "${input.alertId}" of yours to report on`, 'ALERT_NOT_FOUND');
  }
  const [settings, profile, status] = await Promise.all([
    deps.settings.get(principal.tenant),
    deps.directory.get(principal.tenant, principal.user),
    statusAt(deps, principal.tenant, principal.user, occurredAt),
  ]);
  const report: IssueReport = {
    tenant: principal.tenant,
    id: reportIdFor(principal.tenant, principal.user, key),
    agent: principal.user,
    agentName: profile?.displayName ?? principal.name,
    category: input.category,
    severity: input.severity,
    notes: input.notes,
    occurredAt,
    reportedAt: new Date(now).toISOString(),
    ...applyAlertPrefill(input, alert),
    cpuPercent: input.cpuPercent,
    memoryPercent: input.memoryPercent,
    browserName: input.browserName,
    browserVersion: input.browserVersion,
    extensionVersion: input.extensionVersion,
    clientReportId: input.clientReportId,
    team: profile?.team,
    queues: profile?.queues ?? [],
    status,
    requestHash: reportRequestHash(input),
    expiresAt: epochSeconds(now + settings.reports.retentionDays * DAY_MS),
  };
  const existing = await deps.reports.create(report);
  if (existing) {
    if (existing.requestHash !== report.requestHash) throw new ReportKeyReusedError();
    return { report: reportView(existing), replayed: true };
  }
  const view = reportView(report);
  try {
    await deps.feed.publish(principal.tenant, { type: 'report', report: view });
  } catch (error) {
    // The report is stored: supervisors find it in the list even when the live push fails.
    deps.warn('Report feed push failed', { tenant: principal.tenant, reportId: report.id, error });
  }
  return { report: view, replayed: false };
}

/** Agents see only their own reports; naming another agent is refused rather than silently narrowed. */
function scopeFilter(principal: Principal, filter: ReportFilter): ReportFilter {
  if (principal.role !== 'agent') return filter;
  if (filter.agent !== undefined && filter.agent !== principal.user)
    throw new ForbiddenError('Agents may list only their own reports', 'OWN_REPORTS_ONLY');
  return { ...filter, agent: principal.user };
}

export async function listReports(
  deps: ReportReadDeps,
  principal: Principal,
  filter: ReportFilter,
  page: { cursor?: string | undefined; limit: number },
): Promise<{ items: ReportView[]; cursor: string | null }> {
  const result = await deps.reports.list(principal.tenant, scopeFilter(principal, filter), page);
  return { items: result.items.map(reportView), cursor: result.cursor ?? null };
}

/** One export response stays well under Lambda's 6 MB response limit even with the longest notes. */
export const EXPORT_BYTE_BUDGET = 3 * 1024 * 1024;
const EXPORT_CHUNK = 100;

/**
 * One page of a period's reports as CSV (header included, so every page opens on its own). Reads in chunks of 100
 * and stops at `maxRows` or once the text passes the byte budget; `cursor` continues where the page ended.
 */
export async function exportReports(
  deps: ReportReadDeps,
  principal: Principal,
  filter: ReportFilter & { readonly from: string; readonly to: string },
  page: { cursor?: string | undefined; maxRows: number },
): Promise<{ csv: string; rows: number; cursor: string | null }> {
  requireRole(principal, SUPERVISING, 'export reports');
  const lines = [csvHeader()];
  let bytes = 0;
  let cursor = page.cursor;
  do {
    const chunk = await deps.reports.list(principal.tenant, filter, {
      limit: Math.min(EXPORT_CHUNK, page.maxRows - (lines.length - 1)),
      ...(cursor ? { cursor } : {}),
    });
    for (const report of chunk.items) {
      const line = csvRow(report);
      lines.push(line);
      bytes += Buffer.byteLength(line);
    }
    cursor = chunk.cursor;
  } while (cursor && lines.length - 1 < page.maxRows && bytes < EXPORT_BYTE_BUDGET);
  return { csv: lines.join(''), rows: lines.length - 1, cursor: cursor ?? null };
}
