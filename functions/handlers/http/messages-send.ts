import { idempotencyKeySchema, sendBodySchema } from '#domain/message-schemas.ts';
import { sendMessage } from '#domain/message-send.ts';
import { authedRoute } from '#shared/http.ts';
import { sendDeps } from '#shared/messaging-runtime.ts';
import { parseOrThrow } from '#shared/validation.ts';

const deps = sendDeps();

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
    const result = await sendMessage(deps, principal, { text: body.text, to: body.to, idempotencyKey });
    const statusCode = result.status === 'sending' ? 202 : result.replayed ? 200 : 201;
    return { statusCode, body: result };
  },
);
