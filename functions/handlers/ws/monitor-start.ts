import { startMonitor } from '#domain/monitoring.ts';
import { offlineRecord, statusView } from '#domain/status.ts';
import { agentIdSchema } from '#domain/status-schemas.ts';
import { clock } from '#shared/runtime.ts';
import {
  directoryRepository,
  reasonStore,
  signOfLife,
  statusStore,
  subscriptionStore,
} from '#shared/status-runtime.ts';
import { frameSchema, wsAction } from '#shared/ws.ts';

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
    await startMonitor(
      { subscriptions: subscriptionStore(), clock, directory: directoryRepository() },
      principal,
      connectionId,
      body.agent,
      tokenExpiresAt,
    );
    const [record, reasons] = await Promise.all([
      statusStore().get(principal.tenant, body.agent),
      reasonStore().list(principal.tenant),
    ]);
    const current = record ?? offlineRecord(principal.tenant, body.agent, new Date(clock.now()).toISOString());
    return { type: 'monitoring', agent: body.agent, status: statusView(current, reasons) };
  },
);
