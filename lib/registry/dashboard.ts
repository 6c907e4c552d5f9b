import type { HandlerDefinition } from './types.ts';

/**
 * The admins' "Agent Status" dashboard. It only reads (directory, statuses, counters): the counters are written by
 * the functions that raise/close alerts, create reports and finish heartbeats, which already hold table write access.
 */
export const dashboardHandlers: readonly HandlerDefinition[] = [
  {
    name: 'HttpDashboardAgents',
    entry: 'functions/handlers/http/dashboard-agents.ts',
    description: 'Admins: per agent, current status and a period of alerts, reports and heartbeat results (counters)',
    trigger: { kind: 'http', method: 'GET', path: '/dashboard/agents', auth: 'jwt' },
    access: { tables: { main: 'read' } },
  },
];
