import * as z from 'zod';
import { signOfLife } from '#composition/status.ts';
import { syncInbox } from '#domain/messages.ts';
import { ROLES } from '#domain/principal.ts';
import { inboxReadDeps } from '#shared/messaging-runtime.ts';
import { frameSchema, wsAction } from '#shared/ws.ts';

const deps = inboxReadDeps();

/**
 * `{"action":"sync","since"?:cursor}` → `{type:'sync', messages, unread, cursor}`: everything newer than `since` plus
 * every unread message of the day (see domain/messages.ts for why both). Clients call it after every (re)connect.
 */
export const handler = wsAction(
  {
    roles: ROLES,
    action: 'sync',
    body: frameSchema('sync', { since: z.string().min(1).max(100).optional() }),
    touch: signOfLife,
  },
  async ({ principal, body }) => {
    return { type: 'sync', ...(await syncInbox(deps, principal, body.since)) };
  },
);
