import { idempotencyKeySchema, messageTextSchema, selectorsSchema } from '#domain/message-schemas.ts';
import { sendMessage } from '#domain/messages.ts';
import { sendDeps } from '#shared/messaging-runtime.ts';
import { frameSchema, wsAction } from '#shared/ws.ts';

const deps = sendDeps();

/**
 * `{"action":"sendMessage","text","to",idempotencyKey?}` → `{type:'messageAccepted', id, status, replayed, sentAt,
 * summary}`. The WebSocket twin of POST /messages for supervisors; agents get an error frame with status 403.
 */
export const handler = wsAction(
  {
    roles: ['supervisor', 'admin'],
    action: 'send coaching messages',
    body: frameSchema('sendMessage', {
      text: messageTextSchema,
      to: selectorsSchema,
      idempotencyKey: idempotencyKeySchema.optional(),
    }),
  },
  async ({ principal, body }) => ({
    type: 'messageAccepted',
    ...(await sendMessage(deps, principal, { text: body.text, to: body.to, idempotencyKey: body.idempotencyKey })),
  }),
);
