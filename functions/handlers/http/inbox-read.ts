import { inboxMarking, readBodySchema } from '#composition/messaging.ts';
import { authedRoute } from '#shared/http.ts';
import { touchActivity } from '#shared/status-runtime.ts';

const inbox = inboxMarking();

/** POST /inbox/read {messageId | messageIds | all:true} — marks the caller's messages read; senders get receipts. */
export const handler = authedRoute(
  { roles: ['agent', 'supervisor', 'admin'], action: 'mark messages read', body: readBodySchema },
  async ({ principal, body }) => {
    await touchActivity(principal);
    return { body: await inbox.markRead(principal, body) };
  },
);
