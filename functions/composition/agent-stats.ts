import { AgentStatsCounters } from '#adapters/agent-stats-repository.ts';
import { clock, mainTable, settingsRepository } from './core.ts';
import { once } from './once.ts';

/**
 * The admin dashboard's counters: the alert, report and heartbeat stores write them in the transactions that record
 * their facts (composed there with this writer). Kept apart from the dashboard's read side (dashboard.ts), so the
 * functions that write facts load nothing of it.
 */
export const agentStatsCounters = /*@__PURE__*/ once(
  () =>
    new AgentStatsCounters(
      mainTable(),
      async (tenant) => (await settingsRepository().get(tenant)).general.timeZone,
      clock,
    ),
);
