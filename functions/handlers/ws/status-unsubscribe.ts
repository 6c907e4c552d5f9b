import { clock } from '#composition/core.ts';
import { unsubscribeStatus } from '#domain/monitoring.ts';
import { subscriptionStore } from '#shared/status-runtime.ts';
import { frameSchema, wsAction } from '#shared/ws.ts';

/** `{"action":"unsubscribeStatus"}` — this connection leaves the tenant status feed. */
export const handler = wsAction(
  {
    roles: ['supervisor', 'admin'],
    action: 'unsubscribe from the status feed',
    body: frameSchema('unsubscribeStatus', {}),
  },
  async ({ principal, connectionId }) => {
    await unsubscribeStatus({ subscriptions: subscriptionStore(), clock }, principal, connectionId);
    return { type: 'status-unsubscribed' };
  },
);
