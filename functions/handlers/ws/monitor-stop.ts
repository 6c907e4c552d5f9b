import { clock } from '#composition/core.ts';
import { stopMonitor } from '#domain/monitoring.ts';
import { agentIdSchema } from '#domain/status-schemas.ts';
import { subscriptionStore } from '#shared/status-runtime.ts';
import { frameSchema, wsAction } from '#shared/ws.ts';

/** `{"action":"unmonitor","agent":"a1"}` — stops mirroring that agent to this connection. */
export const handler = wsAction(
  {
    roles: ['supervisor', 'admin'],
    action: 'monitor agents',
    body: frameSchema('unmonitor', { agent: agentIdSchema }),
  },
  async ({ principal, connectionId, body }) => {
    await stopMonitor({ subscriptions: subscriptionStore(), clock }, principal, connectionId, body.agent);
    return { type: 'unmonitored', agent: body.agent };
  },
);
