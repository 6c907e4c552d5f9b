import { idempotencyKeySchema, messageSending, messageTextSchema, selectorsSchema } from '#composition/messaging.ts';
import { frameSchema, wsAction } from '#shared/ws.ts';

const messages = messageSending();

/**
 * `{"action":"sendMessage","text","to",idempotencyKey?,id?}` → `{type:'messageAccepted', messageId, status, replayed,
 * sentAt, summary, id?}`. The WebSocket twin of POST /messages for supervisors; agents get an error frame with status
 * 403. The message id has its own field: `id` is the frame id the client chose, echoed as by every other action.
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
  async ({ principal, body }) => {
    const { id: messageId, ...accepted } = await messages.send(principal, {
      text: body.text,
      to: body.to,
      idempotencyKey: body.idempotencyKey,
    });
    return { type: 'messageAccepted', messageId, ...accepted };
  },
);
