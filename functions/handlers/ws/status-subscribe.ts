import { subscribeStatus } from '#domain/monitoring.ts';
import { statusView } from '#domain/status.ts';
import { clock } from '#shared/runtime.ts';
import { reasonStore, statusStore, subscriptionStore, touchActivity } from '#shared/status-runtime.ts';
import { frameSchema, wsAction } from '#shared/ws.ts';

/**
 * `{"action":"subscribeStatus"}` — this connection joins the tenant status feed (every change pushed as
 * `{type:'status',…}`). The reply carries the first page of current statuses so the console starts complete.
 */
export const handler = wsAction(
  { roles: ['supervisor', 'admin'], action: 'subscribe to the status feed', body: frameSchema('subscribeStatus', {}) },
  async ({ principal, connectionId, tokenExpiresAt }) => {
    await touchActivity(principal);
    // The subscription ends with the token: no status is pushed to this connection past its `exp`.
    await subscribeStatus({ subscriptions: subscriptionStore(), clock }, principal, connectionId, tokenExpiresAt);
    const [page, reasons] = await Promise.all([
      statusStore().list(principal.tenant, { limit: 200 }),
      reasonStore().list(principal.tenant),
    ]);
    return {
      type: 'status-subscribed',
      agents: page.items.map((r) => statusView(r, reasons)),
      cursor: page.cursor ?? null,
    };
  },
);
