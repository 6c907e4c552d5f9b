import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Principal } from '../../functions/domain/principal.ts';
import { startTestDynamo, type TestDynamo } from '../support/dynalite.ts';
import { httpEvent, lambdaContext, wsEvent } from '../support/events.ts';

// Real handlers on a real (in-memory) DynamoDB; only the Lambda Invoke API is mocked, to observe dispatches.
type Handler = (event: unknown, context: unknown) => Promise<{ statusCode: number; body?: string }>;
const lambda = mockClient(LambdaClient);
let db: TestDynamo;
const h: Record<string, Handler> = {};

const admin: Principal = { tenant: 'acme', user: 'ada', role: 'admin', name: 'Ada Admin' };
const sup: Principal = { tenant: 'acme', user: 'sam', role: 'supervisor', name: 'Sam Super' };
const agent: Principal = { tenant: 'acme', user: 'agent-01', role: 'agent' };
const foreignAdmin: Principal = { tenant: 'globex', user: 'gus', role: 'admin' };

async function call(name: string, event: unknown) {
  const handler = h[name];
  if (!handler) throw new Error(`no handler ${name}`);
  const res = await handler(event, lambdaContext);
  return { status: res.statusCode, body: res.body ? JSON.parse(res.body) : undefined };
}

const send = (principal: Principal, body: unknown, key?: string) =>
  call('send', {
    ...httpEvent({
      method: 'POST',
      path: '/messages',
      principal,
      body,
      ...(key ? { headers: { 'Idempotency-Key': key } } : {}),
    }),
  });

beforeAll(async () => {
  db = await startTestDynamo();
  vi.stubEnv('TABLE_NAME', db.table);
  vi.stubEnv('AWS_ENDPOINT_URL_DYNAMODB', db.dynamo.endpoint);
  vi.stubEnv('AWS_REGION', 'us-east-1');
  vi.stubEnv('AWS_ACCESS_KEY_ID', 'test');
  vi.stubEnv('AWS_SECRET_ACCESS_KEY', 'test');
  vi.stubEnv('WS_ENDPOINT', 'http://127.0.0.1:9/unused');
  vi.stubEnv('FN_MESSAGE_FAN_OUT', 'MessageFanOut');
  vi.stubEnv('FN_INBOX_RECEIPTS', 'InboxReceipts');
  const load = async (path: string) => (await import(path)).handler as Handler;
  h.send = await load('../../functions/handlers/http/messages-send.ts');
  h.preview = await load('../../functions/handlers/http/messages-preview.ts');
  h.get = await load('../../functions/handlers/http/messages-get.ts');
  h.list = await load('../../functions/handlers/http/messages-list.ts');
  h.inbox = await load('../../functions/handlers/http/inbox-get.ts');
  h.read = await load('../../functions/handlers/http/inbox-read.ts');
  h.put = await load('../../functions/handlers/http/directory-agent-put.ts');
  h.agent = await load('../../functions/handlers/http/directory-agent-get.ts');
  h.agents = await load('../../functions/handlers/http/directory-agents-list.ts');
  h.del = await load('../../functions/handlers/http/directory-agent-delete.ts');
  h.import = await load('../../functions/handlers/http/directory-agents-import.ts');
  h.wsSend = await load('../../functions/handlers/ws/messages-send.ts');
  h.wsSync = await load('../../functions/handlers/ws/messages-sync.ts');
  h.wsRead = await load('../../functions/handlers/ws/messages-mark-read.ts');

  const agents = Array.from({ length: 30 }, (_, i) => ({
    agentId: `agent-${String(i).padStart(2, '0')}`,
    displayName: `Agent ${i}`,
    team: i < 20 ? 'red' : 'blue',
    queues: i % 3 === 0 ? ['sales'] : [],
  }));
  expect(
    (
      await call(
        'import',
        httpEvent({ method: 'POST', path: '/directory/agents/import', principal: admin, body: { agents } }),
      )
    ).status,
  ).toBe(200);
  // The other tenant has an agent with the same id and a team with the same name.
  await call(
    'put',
    httpEvent({
      method: 'PUT',
      principal: foreignAdmin,
      params: { agentId: 'agent-01' },
      body: { displayName: 'Foreign', team: 'red' },
    }),
  );
  await call(
    'put',
    httpEvent({
      method: 'PUT',
      principal: foreignAdmin,
      params: { agentId: 'spy' },
      body: { displayName: 'Spy', team: 'red' },
    }),
  );
});
beforeEach(() => {
  lambda.reset();
  lambda.on(InvokeCommand).resolves({ StatusCode: 202 });
});
afterAll(async () => {
  vi.unstubAllEnvs();
  await db?.close();
});

describe('POST /messages', () => {
  it('refuses agents with 403, on REST and on the WebSocket', async () => {
    const res = await send(agent, { text: 'hi', to: { agentIds: ['agent-02'] } });
    expect(res.status).toBe(403);
    expect(res.body.code).toBe('ROLE_NOT_ALLOWED');
    const ws = await call(
      'wsSend',
      wsEvent(agent, { action: 'sendMessage', id: 'f1', text: 'hi', to: { teams: ['red'] } }, 'c1', 'sendMessage'),
    );
    expect(ws.body).toMatchObject({ type: 'error', status: 403, code: 'ROLE_NOT_ALLOWED', id: 'f1' });
    expect(lambda.commandCalls(InvokeCommand)).toHaveLength(0);
  });

  it('answers invalid bodies with 400 and field-level issues', async () => {
    const cases: [unknown, string[]][] = [
      [{ text: '', to: { agentIds: ['agent-02'] } }, ['text']],
      [{ text: '   ', to: { teams: ['red'] } }, ['text']],
      [{ text: 'x'.repeat(2001), to: { teams: ['red'] } }, ['text']],
      [{ text: 'hi', to: {} }, ['to']],
      [{ text: 'hi', to: { agentIds: ['bad id#'] } }, ['to.agentIds.0']],
      [{ text: 'hi', to: { everyone: true, teams: ['red'] } }, ['to']],
      [{ to: { teams: ['red'] }, extra: 1 }, ['(root)', 'text']],
    ];
    for (const [body, paths] of cases) {
      const res = await send(sup, body);
      expect(res.status, JSON.stringify(body).slice(0, 80)).toBe(400);
      expect(res.body.code).toBe('VALIDATION_FAILED');
      expect(res.body.details.issues.map((i: { path: string }) => i.path).sort()).toEqual(paths);
    }
    const badKey = await send(sup, { text: 'hi', to: { teams: ['red'] } }, 'spaces are not allowed');
    expect(badKey.status).toBe(400);
  });

  it('refuses more than 10,000 explicit recipients with 400', async () => {
    const agentIds = Array.from({ length: 10_001 }, (_, i) => `a${i}`);
    const res = await send(sup, { text: 'hi', to: { agentIds } });
    expect(res.status).toBe(400);
    expect(res.body.details.issues).toEqual([{ path: 'to.agentIds', message: 'at most 10000 agent ids per message' }]);
  });

  it('resolves only agents of the caller tenant', async () => {
    const res = await send(sup, { text: 'Tenant check', to: { agentIds: ['agent-01', 'spy', 'agent-25'] } });
    expect(res.status).toBe(201);
    expect(res.body.summary).toMatchObject({ recipients: 2, unknownIds: 1 });
    const preview = await call(
      'preview',
      httpEvent({ method: 'POST', principal: sup, body: { to: { teams: ['red'], agentIds: ['spy'] } } }),
    );
    expect(preview.body).toMatchObject({ count: 20, recipient: null, unknownIds: ['spy'] });
    expect(preview.body.recipients.every((r: { agentId: string }) => r.agentId.startsWith('agent-'))).toBe(true);
    const single = await call(
      'preview',
      httpEvent({ method: 'POST', principal: sup, body: { to: { agentIds: ['agent-07'] } } }),
    );
    expect(single.body).toMatchObject({ count: 1, recipient: { agentId: 'agent-07', displayName: 'Agent 7' } });
    // The foreign tenant's agent got nothing; the report is invisible to the other tenant.
    const foreignInbox = await call(
      'inbox',
      httpEvent({ principal: { tenant: 'globex', user: 'agent-01', role: 'agent' } }),
    );
    expect(foreignInbox.body.messages).toEqual([]);
    const foreignReport = await call('get', httpEvent({ principal: foreignAdmin, params: { id: res.body.id } }));
    expect(foreignReport.status).toBe(404);
  });

  it('creates one message per Idempotency-Key; the same key with another body is 422', async () => {
    const body = { text: 'Team huddle at 3', to: { teams: ['red'], queues: ['sales'] } };
    const first = await send(sup, body, 'key-123');
    expect(first.status).toBe(202);
    expect(first.body).toMatchObject({ status: 'sending', replayed: false });
    const again = await send(sup, { text: body.text, to: { queues: ['sales'], teams: ['red', 'red'] } }, 'key-123');
    expect(again.status).toBe(202);
    expect(again.body).toMatchObject({ id: first.body.id, replayed: true });
    // One dispatch: the replay found the message in progress (not stalled) and did not start a second worker.
    expect(lambda.commandCalls(InvokeCommand)).toHaveLength(1);
    const payload = JSON.parse(
      new TextDecoder().decode(lambda.commandCalls(InvokeCommand)[0]?.args[0].input.Payload as Uint8Array),
    );
    expect(payload).toEqual({ tenant: 'acme', messageId: first.body.id });
    expect(lambda.commandCalls(InvokeCommand)[0]?.args[0].input).toMatchObject({
      FunctionName: 'MessageFanOut',
      InvocationType: 'Event',
    });

    const conflict = await send(sup, { ...body, text: 'Something else' }, 'key-123');
    expect(conflict.status).toBe(422);
    expect(conflict.body.code).toBe('IDEMPOTENCY_KEY_REUSED');
    // Another sender's identical key is their own message.
    const other = await send({ ...sup, user: 'sid' }, body, 'key-123');
    expect(other.body.id).not.toBe(first.body.id);
    const sent = await call('list', httpEvent({ principal: sup }));
    expect(sent.body.messages.filter((m: { id: string }) => m.id === first.body.id)).toHaveLength(1);
  });

  it('inline send, inbox, search, sync and markRead end to end through the handlers', async () => {
    const sent = await send(
      sup,
      { text: 'Please check the Refund policy', to: { agentIds: ['agent-03', 'agent-04'] } },
      'inline-1',
    );
    expect(sent.status).toBe(201);
    const replay = await send(
      sup,
      { text: 'Please check the Refund policy', to: { agentIds: ['agent-04', 'agent-03'] } },
      'inline-1',
    );
    expect(replay.status).toBe(200);
    expect(replay.body).toMatchObject({ id: sent.body.id, status: 'complete', replayed: true });

    const me: Principal = { tenant: 'acme', user: 'agent-03', role: 'agent' };
    const found = await call('inbox', httpEvent({ principal: me, query: { q: 'refund POLICY' } }));
    expect(found.body.messages.map((m: { id: string }) => m.id)).toEqual([sent.body.id]);
    const miss = await call('inbox', httpEvent({ principal: me, query: { q: 'nothing like this' } }));
    expect(miss.body.messages).toEqual([]);

    const sync = await call('wsSync', wsEvent(me, { action: 'sync' }, 'c3', 'sync'));
    expect(sync.body).toMatchObject({
      type: 'sync',
      unread: 1,
      messages: [{ id: sent.body.id, read: false, from: { id: 'sam', name: 'Sam Super' } }],
    });
    const cursor = sync.body.cursor as string;
    const read = await call('wsRead', wsEvent(me, { action: 'markRead', messageId: sent.body.id }, 'c3', 'markRead'));
    expect(read.body).toMatchObject({ type: 'markRead', read: [sent.body.id], unread: 0 });
    const resumed = await call('wsSync', wsEvent(me, { action: 'sync', since: cursor }, 'c3', 'sync'));
    expect(resumed.body).toMatchObject({ messages: [], unread: 0, cursor });
    const bad = await call(
      'wsRead',
      wsEvent(me, { action: 'markRead', all: true, messageId: sent.body.id }, 'c3', 'markRead'),
    );
    expect(bad.body).toMatchObject({ type: 'error', status: 400 });

    const other: Principal = { tenant: 'acme', user: 'agent-04', role: 'agent' };
    expect(
      (await call('read', httpEvent({ method: 'POST', principal: other, body: { all: true } }))).body,
    ).toMatchObject({ read: [sent.body.id] });

    const report = await call('get', httpEvent({ principal: sup, params: { id: sent.body.id } }));
    expect(report.status).toBe(200);
    expect(report.body.counts).toEqual({ recipients: 2, delivered: 2, read: 2 });
    expect(report.body.receipts.map((r: { agentId: string }) => r.agentId)).toEqual(['agent-03', 'agent-04']);
    const notMine = await call('get', httpEvent({ principal: { ...sup, user: 'sid' }, params: { id: sent.body.id } }));
    expect(notMine.status).toBe(404);
  });
});

describe('one contract for REST and WebSocket sends', () => {
  const wsSend = (body: Record<string, unknown>) =>
    call('wsSend', wsEvent(sup, { action: 'sendMessage', ...body }, 'c-sup', 'sendMessage'));

  it('messageAccepted carries the frame id and the message id in separate fields', async () => {
    const reply = await wsSend({ id: 'frame-9', text: 'Over the socket', to: { agentIds: ['agent-05'] } });
    expect(reply.body).toMatchObject({ type: 'messageAccepted', id: 'frame-9', status: 'complete', replayed: false });
    expect(reply.body.messageId).toEqual(expect.any(String));
    expect(reply.body.messageId).not.toBe('frame-9');
    const report = await call('get', httpEvent({ principal: sup, params: { id: reply.body.messageId } }));
    expect(report.body).toMatchObject({ text: 'Over the socket', counts: { recipients: 1 } });
  });

  it('refuses a send that reaches nobody with 422 NO_RECIPIENTS, on both transports', async () => {
    for (const to of [{ agentIds: ['ghost-1', 'ghost-2'] }, { agentIds: ['spy'] }, { teams: ['no-such-team'] }]) {
      const rest = await send(sup, { text: 'Anyone?', to });
      expect(rest.status, JSON.stringify(to)).toBe(422);
      expect(rest.body.code).toBe('NO_RECIPIENTS');
      const ws = await wsSend({ id: 'n1', text: 'Anyone?', to });
      expect(ws.body).toMatchObject({ type: 'error', status: 422, code: 'NO_RECIPIENTS', id: 'n1' });
    }
    const rest = await send(sup, { text: 'Anyone?', to: { agentIds: ['ghost-2', 'ghost-1'] } });
    expect(rest.body.details).toEqual({ unknownIds: ['ghost-1', 'ghost-2'] });
    // One known id among unknown ones is a normal send.
    expect((await send(sup, { text: 'Someone', to: { agentIds: ['ghost-1', 'agent-06'] } })).status).toBe(201);
  });

  it('rejects unknown top-level keys and malformed JSON with the same codes on both transports', async () => {
    const body = { text: 'hi', to: { agentIds: ['agent-06'] }, idempotencyKy: 'typo' };
    const rest = await send(sup, body);
    const ws = await wsSend(body);
    expect(rest.status).toBe(400);
    expect(ws.body).toMatchObject({ type: 'error', status: 400 });
    expect(ws.body.code).toBe(rest.body.code);
    expect(JSON.stringify(ws.body.details)).toContain('idempotencyKy');
    expect(JSON.stringify(rest.body.details)).toContain('idempotencyKy');
    const badJson = await send(sup, '{"text": "hi",');
    expect(badJson).toMatchObject({ status: 400, body: { code: 'BAD_JSON' } });
  });
});

describe('listing pages', () => {
  it('GET /inbox pages newest first with cursor and limit, validated like GET /messages', async () => {
    const me: Principal = { tenant: 'acme', user: 'agent-12', role: 'agent' };
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      const sent = await send(sup, { text: `Page test ${i}`, to: { agentIds: ['agent-12'] } });
      expect(sent.status).toBe(201);
      ids.push(sent.body.id);
    }
    const newestFirst = [...ids].reverse();
    const seen: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const page = await call(
        'inbox',
        httpEvent({ principal: me, query: { limit: '2', ...(cursor ? { cursor } : {}) } }),
      );
      expect(page.status).toBe(200);
      expect(page.body.messages.length).toBeLessThanOrEqual(2);
      expect(page.body.unread).toBe(5);
      seen.push(...page.body.messages.map((m: { id: string }) => m.id));
      cursor = page.body.cursor ?? undefined;
      pages++;
    } while (cursor && pages < 10);
    expect(seen).toEqual(newestFirst);
    expect(pages).toBe(3);
    // Search and paging combine.
    const searched = await call('inbox', httpEvent({ principal: me, query: { q: 'PAGE TEST', limit: '4' } }));
    expect(searched.body.messages).toHaveLength(4);
    expect(searched.body.cursor).toEqual(expect.any(String));

    for (const query of [{ cursor: 'garbage' }, { cursor: 'eyJwayI6IlQjZ2xvYmV4In0' }]) {
      const bad = await call('inbox', httpEvent({ principal: me, query }));
      expect(bad, JSON.stringify(query)).toMatchObject({ status: 400, body: { code: 'BAD_CURSOR' } });
    }
    for (const limit of ['0', '201', 'many']) {
      const bad = await call('inbox', httpEvent({ principal: me, query: { limit } }));
      expect(bad, limit).toMatchObject({ status: 400, body: { code: 'VALIDATION_FAILED' } });
    }
  });

  it('GET /messages refuses ?q= (there is no search of sent messages) instead of ignoring it', async () => {
    const res = await call('list', httpEvent({ principal: sup, query: { q: 'refund' } }));
    expect(res.status).toBe(400);
    expect(res.body.code).toBe('VALIDATION_FAILED');
    expect(JSON.stringify(res.body.details)).toContain('q');
    expect((await call('list', httpEvent({ principal: sup, query: { limit: '5' } }))).status).toBe(200);
  });
});

describe('directory routes', () => {
  it('creates, reads, lists with pagination, deletes; supervisors read, only admins write', async () => {
    const created = await call(
      'put',
      httpEvent({
        method: 'PUT',
        principal: admin,
        params: { agentId: 'zed' },
        body: { displayName: 'Zed', team: 'blue', lists: ['vip'] },
      }),
    );
    expect(created.status).toBe(201);
    const updated = await call(
      'put',
      httpEvent({ method: 'PUT', principal: admin, params: { agentId: 'zed' }, body: { displayName: 'Zed Z' } }),
    );
    expect(updated.status).toBe(200);
    expect((await call('agent', httpEvent({ principal: sup, params: { agentId: 'zed' } }))).body).toMatchObject({
      displayName: 'Zed Z',
      team: null,
      lists: [],
    });
    expect(
      (
        await call(
          'put',
          httpEvent({ method: 'PUT', principal: sup, params: { agentId: 'zed' }, body: { displayName: 'no' } }),
        )
      ).status,
    ).toBe(403);
    expect((await call('agents', httpEvent({ principal: agent }))).status).toBe(403);

    const ids: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await call(
        'agents',
        httpEvent({ principal: sup, query: { limit: '7', ...(cursor ? { cursor } : {}) } }),
      );
      expect(page.status).toBe(200);
      ids.push(...page.body.agents.map((a: { agentId: string }) => a.agentId));
      cursor = page.body.cursor ?? undefined;
    } while (cursor);
    expect(ids).toHaveLength(31);
    expect(ids).not.toContain('spy');

    expect(
      (await call('del', httpEvent({ method: 'DELETE', principal: admin, params: { agentId: 'zed' } }))).status,
    ).toBe(204);
    expect((await call('agent', httpEvent({ principal: sup, params: { agentId: 'zed' } }))).status).toBe(404);
    const tooMany = Array.from({ length: 1001 }, (_, i) => ({ agentId: `x${i}`, displayName: 'X' }));
    const refused = await call('import', httpEvent({ method: 'POST', principal: admin, body: { agents: tooMany } }));
    expect(refused.status).toBe(400);
    expect(refused.body.details.issues[0].path).toBe('agents');
  });
});
