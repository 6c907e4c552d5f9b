import { idempotencyKeySchema, messageSending, sendBodySchema } from '#composition/messaging.ts';
import { authedRoute } from '#shared/http.ts';
import { parseOrThrow } from '#shared/validation.ts';

const messages = messageSending();

/**
 * POST /messages — a supervisor or admin sends a coaching message. `Idempotency-Key` (optional header) makes a retried
 * POST return the same message instead of creating another; the same key with another body is 422.
 * 201 = delivered inline (small explicit send), 202 = accepted, fan-out running; 200 = replay of a completed send.
 */
export const handler = authedRoute(
  { roles: ['supervisor', 'admin'], action: 'send coaching messages', body: sendBodySchema },
  async ({ principal, body, headers }) => {
    const rawKey = headers['idempotency-key'];
    const idempotencyKey =
      rawKey === undefined ? undefined : parseOrThrow(idempotencyKeySchema, rawKey, 'Idempotency-Key header');
    const result = await messages.send(principal, { text: body.text, to: body.to, idempotencyKey });
    const statusCode = result.status === 'sending' ? 202 : result.replayed ? 200 : 201;
    return { statusCode, body: result };
  },
);
