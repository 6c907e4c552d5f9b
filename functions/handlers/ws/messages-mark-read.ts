import { inboxMarking, ONE_READ_SELECTION, oneReadSelection, readSelectionShape } from '#composition/messaging.ts';
import { signOfLife } from '#composition/status.ts';
import { frameSchema, wsAction } from '#shared/ws.ts';

const inbox = inboxMarking();

/**
 * `{"action":"markRead","messageId"|"messageIds"|"all":true}` → `{type:'markRead', read, unread, readAt}`; each sender
 * gets a `receipt` event, the agent's connections a `read` event.
 */
export const handler = wsAction(
  {
    roles: ['agent', 'supervisor', 'admin'],
    action: 'markRead',
    body: frameSchema('markRead', readSelectionShape).refine(oneReadSelection, ONE_READ_SELECTION),
    touch: signOfLife,
  },
  async ({ principal, body }) => {
    return { type: 'markRead', ...(await inbox.markRead(principal, body)) };
  },
);
