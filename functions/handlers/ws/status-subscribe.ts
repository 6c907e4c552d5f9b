import { subscribeStatus } from '#domain/monitoring.ts';
import { statusView } from '#domain/status.ts';
import { listAgents } from '#domain/status-list.ts';
import { clock } from '#shared/runtime.ts';
import { reasonStore, signOfLife, statusReadDeps, subscriptionStore } from '#shared/status-runtime.ts';
import { frameSchema, wsAction } from '#shared/ws.ts';

const deps = statusReadDeps();

/**
 * `{"action":"subscribeStatus"}` — this connection joins the tenant status feed (every change pushed as
 * `{type:'status',…}`). The reply carries the first page of `GET /status/agents` (the directory's agents, those never
 * seen as Offline) so the console starts complete; its `cursor` continues on that route.
 */
export const handler = wsAction(
  {
    roles: ['supervisor', 'admin'],
    action: 'subscribe to the status feed',
    body: frameSchema('subscribeStatus', {}),
    touch: signOfLife,
  },
  async ({ principal, connectionId, tokenExpiresAt }) => {
    // The subscription ends with the token: no status is pushed to this connection past its `exp`.
    await subscribeStatus({ subscriptions: subscriptionStore(), clock }, principal, connectionId, tokenExpiresAt);
    const [page, reasons] = await Promise.all([
      listAgents(deps, principal, { limit: 200 }),
      reasonStore().list(principal.tenant),
    ]);
    return {
      type: 'status-subscribed',
      agents: page.items.map((r) => statusView(r, reasons)),
      cursor: page.cursor ?? null,
    };
  },
);
