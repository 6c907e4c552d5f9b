import { signOfLife } from '#composition/status.ts';
import { ONE_READ_SELECTION, oneReadSelection, readSelectionShape, toReadSelection } from '#domain/message-schemas.ts';
import { markRead } from '#domain/messages.ts';
import { ROLES } from '#domain/principal.ts';
import { inboxDeps } from '#shared/messaging-runtime.ts';
import { frameSchema, wsAction } from '#shared/ws.ts';

const deps = inboxDeps();

/**
 * `{"action":"markRead","messageId"|"messageIds"|"all":true}` → `{type:'markRead', read, unread, readAt}`; each sender
 * gets a `receipt` event, the agent's connections a `read` event.
 */
export const handler = wsAction(
  {
    roles: ROLES,
    action: 'markRead',
    body: frameSchema('markRead', readSelectionShape).refine(oneReadSelection, ONE_READ_SELECTION),
    touch: signOfLife,
  },
  async ({ principal, body }) => {
    return { type: 'markRead', ...(await markRead(deps, principal, toReadSelection(body))) };
  },
);
