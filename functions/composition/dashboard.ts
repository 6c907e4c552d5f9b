import { DynamoAgentStatsReader } from '#adapters/agent-stats-repository.ts';
import { DynamoDirectoryRepository } from '#adapters/directory-repository.ts';
import { DynamoReasonStore, DynamoStatusStore } from '#adapters/status-repository.ts';
import type { DashboardDeps } from '#domain/dashboard.ts';
import { clock, documentClient, mainTable, settingsRepository } from '#shared/runtime.ts';
import { once } from './once.ts';

/** The admins' dashboard only reads: the directory page, statuses, reasons, settings and counter records. */
export const dashboardDeps = /*@__PURE__*/ once<DashboardDeps>(() => ({
  directory: new DynamoDirectoryRepository(documentClient(), mainTable()),
  statuses: new DynamoStatusStore(documentClient(), mainTable(), clock),
  reasons: new DynamoReasonStore(documentClient(), mainTable(), clock),
  stats: new DynamoAgentStatsReader(documentClient(), mainTable()),
  settings: settingsRepository(),
  clock,
}));
