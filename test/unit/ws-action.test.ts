import { describe, expect, it } from 'vitest';
import * as z from 'zod';
import { handler as defaultRoute } from '../../functions/handlers/ws/default.ts';
import { frameSchema, wsAction } from '../../functions/shared/ws.ts';
import { lambdaContext, wsEvent } from '../support/events.ts';

const agent = { tenant: 'acme', user: 'alice', role: 'agent' as const };

/** A real wsAction around a handler that records its calls. */
function echoAction() {
  const calls: unknown[] = [];
  const handler = wsAction(
    { roles: ['agent'], action: 'echo', body: frameSchema('echo', { text: z.string().optional() }) },
    async ({ body }) => {
      calls.push(body);
      return { type: 'echoed', text: body.text ?? null };
    },
  );
  const call = async (body: unknown, tokenExpiresAt?: number) =>
    JSON.parse((await handler(wsEvent(agent, body, 'c1', 'echo', tokenExpiresAt), lambdaContext)).body) as Record<
      string,
      unknown
    >;
  return { calls, call };
}

describe('wsAction', () => {
  it('acts while the token is valid and refuses every frame once it has expired, with TOKEN_EXPIRED', async () => {
    const { calls, call } = echoAction();
    const now = Math.floor(Date.now() / 1000);
    expect(await call({ action: 'echo', id: '1', text: 'hi' }, now + 60)).toEqual({
      type: 'echoed',
      text: 'hi',
      id: '1',
    });

    const refused = await call({ action: 'echo', id: '2', text: 'late' }, now - 1);
    expect(refused).toMatchObject({ type: 'error', status: 401, code: 'TOKEN_EXPIRED', id: '2' });
    expect(String(refused.message)).toMatch(/reconnect/);
    // The expiry is checked before anything else: nothing ran for the late frame.
    expect(calls).toHaveLength(1);
  });

  it('rejects unknown top-level keys, naming them, as REST bodies do', async () => {
    const { calls, call } = echoAction();
    const frame = await call({ action: 'echo', text: 'hi', idempotencyKy: 'k' });
    expect(frame).toMatchObject({ type: 'error', status: 400, code: 'VALIDATION_FAILED' });
    expect(JSON.stringify(frame.details)).toContain('idempotencyKy');
    expect(calls).toHaveLength(0);
  });

  it('answers malformed JSON with the same code as the REST API (BAD_JSON)', async () => {
    const frame = JSON.parse((await defaultRoute(wsEvent(agent, '{oops'))).body);
    expect(frame).toMatchObject({ type: 'error', status: 400, code: 'BAD_JSON' });
  });
});
