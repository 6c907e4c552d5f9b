import { agentListQuery, feedSubscriptionCommands, signOfLife, statusViewsQuery } from '#composition/status.ts';
import { frameSchema, wsAction } from '#shared/ws.ts';

const { subscribe } = feedSubscriptionCommands();
const listAgents = agentListQuery();
const statusViews = statusViewsQuery();

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
    await subscribe(principal, connectionId, tokenExpiresAt);
    const page = listAgents(principal, { limit: 200 });
    // The page and the reasons are read side by side.
    const agents = await statusViews(
      principal.tenant,
      page.then((p) => p.items),
    );
    return { type: 'status-subscribed', agents, cursor: (await page).cursor ?? null };
  },
);
