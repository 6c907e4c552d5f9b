import * as z from 'zod';
import { inboxReading } from '#composition/messaging.ts';
import { touchActivity } from '#shared/status-runtime.ts';
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
  },
  async ({ principal, body }) => {
    // Every agent frame is a sign of life (auto-Offline).
    await touchActivity(principal);
    return { type: 'sync', ...(await inbox.sync(principal, body.since)) };
  },
);
