import { feedSubscriptionCommands } from '#composition/status.ts';
import { frameSchema, wsAction } from '#shared/ws.ts';

const { unsubscribe } = feedSubscriptionCommands();

/** `{"action":"unsubscribeStatus"}` — this connection leaves the tenant status feed. */
export const handler = wsAction(
  {
    roles: ['supervisor', 'admin'],
    action: 'unsubscribe from the status feed',
    body: frameSchema('unsubscribeStatus', {}),
  },
  async ({ principal, connectionId }) => {
    await unsubscribe(principal, connectionId);
    return { type: 'status-unsubscribed' };
  },
);
