import { DynamoDirectoryRepository } from '#adapters/directory-repository.ts';
import { FeedPublisher } from '#adapters/monitoring-notifier.ts';
import { DynamoReportRepository } from '#adapters/report-repository.ts';
import { DynamoReasonStore, DynamoStatusStore } from '#adapters/status-repository.ts';
import type { ReportCreateDeps, ReportReadDeps } from '#domain/reports.ts';
import { logger } from '#shared/powertools.ts';
import {
  clock,
  connectionGateway,
  documentClient,
  mainTable,
  settingsRepository,
  subscriptionStore,
} from '#shared/runtime.ts';
import { agentStatsCounters } from './agent-stats.ts';
import { alertLookup } from './alerts.ts';
import { once } from './once.ts';

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
  directory: new DynamoDirectoryRepository(documentClient(), mainTable()),
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
