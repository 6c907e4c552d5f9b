import * as z from 'zod';
import { inboxReading } from '#composition/messaging.ts';
import { signOfLife } from '#composition/status.ts';
import { frameSchema, wsAction } from '#shared/ws.ts';

const inbox = inboxReading();

/**
 * `{"action":"sync","since"?:cursor}` → `{type:'sync', messages, unread, cursor}`: everything newer than `since` plus
 * every unread message of the day (see domain/inbox.ts for why both). Clients call it after every (re)connect.
 */
export const handler = wsAction(
  {
    roles: ['agent', 'supervisor', 'admin'],
    action: 'sync',
    body: frameSchema('sync', { since: z.string().min(1).max(100).optional() }),
    touch: signOfLife,
  },
  async ({ principal, body }) => {
    return { type: 'sync', ...(await inbox.sync(principal, body.since)) };
  },
);
