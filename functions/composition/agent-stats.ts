import { AgentStatsCounters, DynamoAgentStatsReader } from '#adapters/agent-stats-repository.ts';
import { DynamoDirectoryRepository } from '#adapters/directory-repository.ts';
import { DynamoReasonStore, DynamoStatusStore } from '#adapters/status-repository.ts';
import type { DashboardDeps } from '#domain/dashboard.ts';
import { clock, documentClient, mainTable, settingsRepository } from '#shared/runtime.ts';
import { once } from './once.ts';

/**
 * The admin dashboard's counters: the alert, report and heartbeat stores write them in the transactions that record
 * their facts (composed there with this writer); the dashboard route only reads them.
 */
export const agentStatsCounters = once(
  () =>
    new AgentStatsCounters(
      mainTable(),
      async (tenant) => (await settingsRepository().get(tenant)).general.timeZone,
      clock,
    ),
);

/** Read-only: the directory page, statuses, reasons, settings and counter records. */
export const dashboardDeps = once<DashboardDeps>(() => ({
  directory: new DynamoDirectoryRepository(documentClient(), mainTable()),
  statuses: new DynamoStatusStore(documentClient(), mainTable(), clock),
  reasons: new DynamoReasonStore(documentClient(), mainTable(), clock),
  stats: new DynamoAgentStatsReader(documentClient(), mainTable()),
  settings: settingsRepository(),
  clock,
}));
