import { FeedPublisher } from '#adapters/monitoring-notifier.ts';
import { DynamoReportRepository } from '#adapters/report-repository.ts';
import { DynamoReasonStore, DynamoStatusStore } from '#adapters/status-repository.ts';
import {
  createReport as createReportUseCase,
  exportReports as exportReportsUseCase,
  listReports as listReportsUseCase,
  type ReportCreateDeps,
  type ReportReadDeps,
} from '#domain/reports.ts';
import { logger } from '#shared/powertools.ts';
import { agentStatsCounters } from './agent-stats.ts';
import { alertLookup } from './alerts.ts';
import { connectionGateway, subscriptionStore } from './connections.ts';
import { clock, directoryRepository, documentClient, mainTable, settingsRepository } from './core.ts';
import { once, wire } from './once.ts';

export {
  exportReportsQuerySchema,
  idempotencyKeySchema,
  listReportsQuerySchema,
  reportBodySchema,
  reportFrameSchema,
  toReportInput,
} from '#domain/report-schemas.ts';

/**
 * Composition of the issue-report capability, per use case: the read routes (list, export) get the repository only
 * — no `@connections` endpoint, no feed, so their functions need neither `WS_ENDPOINT` nor the grant; creating a
 * report also reads the directory, the status and the settings, and pushes to the tenant's live feed.
 */
export const reportRepository = /*@__PURE__*/ once(
  () => new DynamoReportRepository(documentClient(), mainTable(), clock, agentStatsCounters()),
);

export const reportReadDeps = /*@__PURE__*/ once<ReportReadDeps>(() => ({ reports: reportRepository() }));

export const reportCreateDeps = /*@__PURE__*/ once<ReportCreateDeps>(() => ({
  reports: reportRepository(),
  directory: directoryRepository(),
  statuses: new DynamoStatusStore(documentClient(), mainTable(), clock),
  reasons: new DynamoReasonStore(documentClient(), mainTable(), clock),
  settings: settingsRepository(),
  feed: new FeedPublisher(subscriptionStore(), connectionGateway()),
  clock,
  // A report flagged from an alert is pre-filled from the stored alert; an id that is not one of the caller's
  // alerts is 404 ALERT_NOT_FOUND.
  alerts: alertLookup(),
  warn: (message, details) => logger.warn(message, details),
}));

/** The report use cases, wired: the read routes get the repository only, creating gets the rest. */
export const listReports = /*@__PURE__*/ wire(reportReadDeps, listReportsUseCase);
export const exportReports = /*@__PURE__*/ wire(reportReadDeps, exportReportsUseCase);
export const createReport = /*@__PURE__*/ wire(reportCreateDeps, createReportUseCase);
