import { describe, expect, it } from 'vitest';
import * as z from 'zod';
import type { Principal } from '../../functions/domain/principal.ts';
import { authedRoute } from '../../functions/shared/http.ts';
import { frameSchema, wsAction, wsConnect } from '../../functions/shared/ws.ts';
import { httpEvent, lambdaContext, wsEvent } from '../support/events.ts';

const agent: Principal = { tenant: 'acme', user: 'alice', role: 'agent' };
const supervisor: Principal = { tenant: 'acme', user: 'sam', role: 'supervisor' };

/** A recorder standing in for the status capability's sign of life; `fail` makes it throw. */
function recorder(fail = false) {
  const touched: string[] = [];
  const steps: string[] = [];
  const touch = async (principal: Principal) => {
    touched.push(principal.user);
    steps.push('touch');
    if (fail) throw new Error('presence table unavailable');
  };
  return { touched, steps, touch };
}

describe('the `touch` option of routes and actions (the sign of life)', () => {
  it('an HTTP route records the caller once role and input passed, before the handler; never when refused', async () => {
    const { touched, steps, touch } = recorder();
    const route = authedRoute(
      { roles: ['agent'], action: 'echo', query: z.object({ n: z.coerce.number() }), touch },
      async ({ query }) => {
        steps.push('handler');
        return { body: { n: query.n } };
      },
    );
    const ok = await route(httpEvent({ principal: agent, query: { n: '1' } }), lambdaContext);
    expect(ok).toMatchObject({ statusCode: 200 });
    expect(touched).toEqual(['alice']);
    expect(steps).toEqual(['touch', 'handler']);

    // Wrong role, then invalid query: refused before the sign of life.
    expect(await route(httpEvent({ principal: supervisor, query: { n: '1' } }), lambdaContext)).toMatchObject({
      statusCode: 403,
    });
    expect(await route(httpEvent({ principal: agent, query: { n: 'x' } }), lambdaContext)).toMatchObject({
      statusCode: 400,
    });
    expect(touched).toEqual(['alice']);
  });

  it('a failing sign of life never fails the request it rides on', async () => {
    const { touched, touch } = recorder(true);
    const route = authedRoute({ roles: ['agent'], action: 'echo', touch }, async () => ({ body: { ok: true } }));
    const res = await route(httpEvent({ principal: agent }), lambdaContext);
    expect(res).toMatchObject({ statusCode: 200, body: '{"ok":true}' });
    const action = wsAction({ roles: ['agent'], action: 'ping', body: frameSchema('ping', {}), touch }, async () => ({
      type: 'pong',
    }));
    const frame = JSON.parse((await action(wsEvent(agent, { action: 'ping' }), lambdaContext)).body);
    expect(frame).toEqual({ type: 'pong' });
    expect(touched).toEqual(['alice', 'alice']);
  });

  it('a WebSocket action records the caller before the handler; an expired token or a bad frame records nothing', async () => {
    const { touched, steps, touch } = recorder();
    const action = wsAction(
      { roles: ['agent'], action: 'echo', body: frameSchema('echo', { text: z.string() }), touch },
      async ({ body }) => {
        steps.push('handler');
        return { type: 'echoed', text: body.text };
      },
    );
    const now = Math.floor(Date.now() / 1000);
    const call = async (body: unknown, exp = now + 60) =>
      JSON.parse((await action(wsEvent(agent, body, 'c1', 'echo', exp), lambdaContext)).body);
    expect(await call({ action: 'echo', text: 'hi' })).toEqual({ type: 'echoed', text: 'hi' });
    expect(await call({ action: 'echo', text: 'late' }, now - 1)).toMatchObject({ code: 'TOKEN_EXPIRED' });
    expect(await call({ action: 'echo', text: 1 })).toMatchObject({ code: 'VALIDATION_FAILED' });
    expect(touched).toEqual(['alice']);
    expect(steps).toEqual(['touch', 'handler']);
  });

  it('$connect records the caller after the handler registered the connection, not when registering failed', async () => {
    const { touched, steps, touch } = recorder();
    let fail = false;
    const connect = wsConnect({ touch }, async ({ principal, connectionId, tokenExpiresAt }) => {
      if (fail) throw new Error('table unavailable');
      steps.push(`register ${principal.user} ${connectionId} ${tokenExpiresAt > 0}`);
    });
    expect(await connect(wsEvent(agent, '', 'c9', '$connect'))).toEqual({ statusCode: 200, body: '' });
    expect(steps).toEqual(['register alice c9 true', 'touch']);
    fail = true;
    await expect(connect(wsEvent(agent, '', 'c9', '$connect'))).rejects.toThrow('table unavailable');
    expect(touched).toEqual(['alice']);
  });
});
