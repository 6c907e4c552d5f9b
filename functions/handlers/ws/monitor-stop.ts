import { agentIdSchema, monitorCommands } from '#composition/status.ts';
import { frameSchema, wsAction } from '#shared/ws.ts';

const { stop } = monitorCommands();

/** `{"action":"unmonitor","agent":"a1"}` — stops mirroring that agent to this connection. */
export const handler = wsAction(
  {
    roles: ['supervisor', 'admin'],
    action: 'monitor agents',
    body: frameSchema('unmonitor', { agent: agentIdSchema }),
  },
  async ({ principal, connectionId, body }) => {
    await stop(principal, connectionId, body.agent);
    return { type: 'unmonitored', agent: body.agent };
  },
);
