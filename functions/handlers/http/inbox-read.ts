import { signOfLife } from '#composition/status.ts';
import { readBodySchema, toReadSelection } from '#domain/message-schemas.ts';
import { markRead } from '#domain/messages.ts';
import { ROLES } from '#domain/principal.ts';
import { authedRoute } from '#shared/http.ts';
import { inboxDeps } from '#shared/messaging-runtime.ts';

const deps = inboxDeps();

/** POST /inbox/read {messageId | messageIds | all:true} — marks the caller's messages read; senders get receipts. */
export const handler = authedRoute(
  { roles: ROLES, action: 'mark messages read', body: readBodySchema, touch: signOfLife },
  async ({ principal, body }) => {
    return { body: await markRead(deps, principal, toReadSelection(body)) };
  },
);
