import { agentIdSchema, agentStatusQuery, monitorCommands, signOfLife, statusViewsQuery } from '#composition/status.ts';
import { frameSchema, wsAction } from '#shared/ws.ts';

const { start } = monitorCommands();
const agentStatus = agentStatusQuery();
const statusViews = statusViewsQuery();

/**
 * `{"action":"monitor","agent":"a1"}` — silent monitor: from now on whatever is pushed to the agent (status changes,
 * current contact, messages, later alerts) is mirrored to this connection as `{type:'monitor', agent, event}`. The
 * agent is never told. The reply carries the agent's current status. Only agents of the tenant's directory can be
 * monitored (404 otherwise), and the monitor ends with the connection's token.
 */
export const handler = wsAction(
  {
    roles: ['supervisor', 'admin'],
    action: 'monitor agents',
    body: frameSchema('monitor', { agent: agentIdSchema }),
    touch: signOfLife,
  },
  async ({ principal, connectionId, body, tokenExpiresAt }) => {
    await start(principal, connectionId, body.agent, tokenExpiresAt);
    // The status and the reasons are read side by side; an agent never seen is Offline.
    const [status] = await statusViews(
      principal.tenant,
      agentStatus(principal, body.agent).then((r) => [r] as const),
    );
    return { type: 'monitoring', agent: body.agent, status };
  },
);
