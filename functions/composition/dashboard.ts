import { DynamoAgentStatsReader } from '#adapters/agent-stats-repository.ts';
import { DynamoReasonStore, DynamoStatusStore } from '#adapters/status-repository.ts';
import { agentDashboard as agentDashboardUseCase, type DashboardDeps } from '#domain/dashboard.ts';
import { clock, directoryRepository, documentClient, mainTable, settingsRepository } from './core.ts';
import { once, wire } from './once.ts';

export { dashboardQuerySchema } from '#domain/dashboard-schemas.ts';

/** The admins' dashboard only reads: the directory page, statuses, reasons, settings and counter records. */
export const dashboardDeps = /*@__PURE__*/ once<DashboardDeps>(() => ({
  directory: directoryRepository(),
  statuses: new DynamoStatusStore(documentClient(), mainTable(), clock),
  reasons: new DynamoReasonStore(documentClient(), mainTable(), clock),
  stats: new DynamoAgentStatsReader(documentClient(), mainTable()),
  settings: settingsRepository(),
  clock,
}));

export const agentDashboard = /*@__PURE__*/ wire(dashboardDeps, agentDashboardUseCase);
