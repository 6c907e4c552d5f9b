import { describe, expect, it } from 'vitest';
import { handler } from '../../functions/handlers/ws/default.ts';

const event = (body: string) => ({
  body,
  requestContext: {
    routeKey: '$default',
    eventType: 'MESSAGE' as const,
    connectionId: 'c1',
    authorizer: { tenant: 't', user: 'u', role: 'agent' },
  },
});

describe('$default route', () => {
  it.each([
    ['{oops', 'BAD_JSON'],
    ['[1,2]', 'BAD_FRAME'],
    ['"ping"', 'BAD_FRAME'],
    ['{"id":"7"}', 'MISSING_ACTION'],
    ['{"action":"fly","id":"7"}', 'UNKNOWN_ACTION'],
  ])('answers %s with %s', async (body, code) => {
    const reply = await handler(event(body));
    const frame = JSON.parse(reply.body);
    expect(frame).toMatchObject({ type: 'error', code, status: 400 });
    expect(typeof frame.message).toBe('string');
  });

  it('echoes the client id so the client can correlate the error', async () => {
    const frame = JSON.parse((await handler(event('{"action":"fly","id":"abc"}'))).body);
    expect(frame.id).toBe('abc');
  });
});
