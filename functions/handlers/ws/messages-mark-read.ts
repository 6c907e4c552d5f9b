import { inboxMarking, ONE_READ_SELECTION, oneReadSelection, readSelectionShape } from '#composition/messaging.ts';
import { touchActivity } from '#shared/status-runtime.ts';
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
  },
  async ({ principal, body }) => {
    await touchActivity(principal);
    return { type: 'markRead', ...(await inbox.markRead(principal, body)) };
  },
);
