import { inboxMarking, readBodySchema } from '#composition/messaging.ts';
import { signOfLife } from '#composition/status.ts';
import { authedRoute } from '#shared/http.ts';

const inbox = inboxMarking();

/** POST /inbox/read {messageId | messageIds | all:true} — marks the caller's messages read; senders get receipts. */
export const handler = authedRoute(
  { roles: ['agent', 'supervisor', 'admin'], action: 'mark messages read', body: readBodySchema, touch: signOfLife },
  async ({ principal, body }) => {
    return { body: await inbox.markRead(principal, body) };
  },
);
