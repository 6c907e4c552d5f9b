import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { callApi, closeSockets, openSocket } from '../support/e2e.ts';
import { type RuntimeProcess, startRuntimeProcess } from '../support/runtime.ts';
import { type Frame, TestClient } from '../support/ws-client.ts';

/** Coaching messages through `npm start`: REST send, live pushes, later sync, receipts — over real sockets. */
describe('coaching messages end to end', () => {
  let rt: RuntimeProcess;
  const open: TestClient[] = [];
  let supervisorToken: string;

  const api = (token: string, method: string, path: string, body?: unknown, headers: Record<string, string> = {}) =>
    callApi(rt.http, token, method, path, body, headers);
  const connect = async (user: string, role: 'agent' | 'supervisor' = 'agent') =>
    openSocket(open, rt.ws, await rt.token({ tenant: 'acme', user, role }));

  beforeAll(async () => {
    rt = await startRuntimeProcess({ SEED: 'none' });
    const admin = await rt.token({ tenant: 'acme', user: 'ada', role: 'admin' });
    supervisorToken = await rt.token({ tenant: 'acme', user: 'sam', role: 'supervisor', name: 'Sam Supervisor' });
    const agents = [
      { agentId: 'alice', displayName: 'Alice Smith', team: 'blue' },
      { agentId: 'bob', displayName: 'Bob Jones', team: 'blue' },
      { agentId: 'carl', displayName: 'Carl Offline', team: 'blue' },
      { agentId: 'gina', displayName: 'Gina Green', team: 'green' },
      ...Array.from({ length: 50 }, (_, i) => ({
        agentId: `c${String(i).padStart(2, '0')}`,
        displayName: `Chaos ${i}`,
        team: 'chaos',
      })),
    ];
    const imported = await api(admin, 'POST', '/directory/agents/import', { agents });
    expect(imported.status).toBe(200);
    // Another tenant's agent with the same team name must never be reached.
    const otherAdmin = await rt.token({ tenant: 'other', user: 'root', role: 'admin' });
    await api(otherAdmin, 'PUT', '/directory/agents/alice', { displayName: 'Other Alice', team: 'blue' });
  });
  afterAll(async () => {
    await closeSockets(open);
    await rt?.stop();
  });

  it('delivers a team message live to online agents, to a late agent on sync, and receipts to the sender', async () => {
    const alice = await connect('alice');
    const bob = await connect('bob');
    const gina = await connect('gina');
    const sam = await connect('sam', 'supervisor');
    const foreignAlice = await TestClient.connect(
      rt.ws,
      await rt.token({ tenant: 'other', user: 'alice', role: 'agent' }),
    );
    open.push(foreignAlice);

    const preview = await api(supervisorToken, 'POST', '/messages/preview', { to: { teams: ['blue'] } });
    expect(preview.body.count).toBe(3);

    const sent = await api(supervisorToken, 'POST', '/messages', {
      text: 'Please wrap up calls within 2 minutes',
      to: { teams: ['blue'] },
    });
    expect([201, 202]).toContain(sent.status);
    const id = sent.body.id as string;

    const isMessage = (f: Frame) => f.type === 'message' && (f.message as { id: string }).id === id;
    const [forAlice, forBob] = await Promise.all([alice.waitFor(isMessage), bob.waitFor(isMessage)]);
    expect(forAlice.message).toMatchObject({ text: 'Please wrap up calls within 2 minutes', from: { id: 'sam' } });
    expect((forBob.message as { id: string }).id).toBe(id);

    // carl was offline: he connects later and syncs.
    const carl = await connect('carl');
    const sync = await carl.request({ action: 'sync' });
    expect(sync).toMatchObject({ type: 'sync', unread: 1 });
    expect((sync.messages as Array<{ id: string }>).map((m) => m.id)).toEqual([id]);

    // alice reads it: sam's console gets a live receipt, and the report counts it.
    await alice.request({ action: 'markRead', messageId: id });
    const receipt = await sam.waitFor((f) => f.type === 'receipt');
    expect(receipt.receipts).toEqual([expect.objectContaining({ messageId: id, agentId: 'alice' })]);
    await expect
      .poll(async () => (await api(supervisorToken, 'GET', `/messages/${id}`)).body.counts, { timeout: 5000 })
      .toMatchObject({ recipients: 3, read: 1 });

    // Nobody outside the team — and nobody in another tenant — saw it.
    expect(gina.frames.some(isMessage)).toBe(false);
    expect(foreignAlice.frames.some((f) => f.type === 'message')).toBe(false);
  });

  it('refuses sends from agents (403) and over WebSocket too', async () => {
    const agentToken = await rt.token({ tenant: 'acme', user: 'alice', role: 'agent' });
    const res = await api(agentToken, 'POST', '/messages', { text: 'hi', to: { agentIds: ['bob'] } });
    expect(res.status).toBe(403);
    const alice = await connect('alice');
    const reply = await alice.request({ action: 'sendMessage', text: 'hi', to: { agentIds: ['bob'] } });
    expect(reply).toMatchObject({ type: 'error', status: 403 });
  });

  it('creates one message for a retried send with the same Idempotency-Key', async () => {
    const body = { text: 'Retry me', to: { agentIds: ['gina'] } };
    const first = await api(supervisorToken, 'POST', '/messages', body, { 'idempotency-key': 'k-123' });
    const second = await api(supervisorToken, 'POST', '/messages', body, { 'idempotency-key': 'k-123' });
    expect(second.body.id).toBe(first.body.id);
    const gina = await connect('gina');
    const sync = await gina.request({ action: 'sync' });
    expect((sync.messages as Array<{ text: string }>).filter((m) => m.text === 'Retry me')).toHaveLength(1);
  });

  it('loses nothing and shows nothing twice while agents drop and resume (small chaos)', async () => {
    const agents = Array.from({ length: 50 }, (_, i) => `c${String(i).padStart(2, '0')}`);
    // What each agent's screen shows: message ids (the client de-duplicates pushes and syncs by id), and per text the
    // ids shown for it — two ids for one text would be a send duplicated by the server, visible to the agent.
    const shown = new Map<string, Set<string>>(agents.map((a) => [a, new Set<string>()]));
    const textIds = new Map<string, Map<string, Set<string>>>(agents.map((a) => [a, new Map()]));
    const cursors = new Map<string, string | undefined>();
    const clients = new Map<string, TestClient>();
    // What a client does: show each message id once; resume with "sync since cursor" after every reconnect.
    const show = (agent: string, id: string, text: string) => {
      shown.get(agent)?.add(id);
      const byText = textIds.get(agent);
      if (byText && !byText.has(text)) byText.set(text, new Set());
      byText?.get(text)?.add(id);
    };
    const attach = async (agent: string) => {
      const client = await TestClient.connect(rt.ws, await rt.token({ tenant: 'acme', user: agent, role: 'agent' }));
      clients.set(agent, client);
      open.push(client);
      client.socket.on('message', (data) => {
        const frame = JSON.parse(String(data)) as Frame;
        const message = frame.message as { id: string; text: string } | undefined;
        if (frame.type === 'message' && message) show(agent, message.id, message.text);
      });
      const since = cursors.get(agent);
      const sync = await client.request(since ? { action: 'sync', since } : { action: 'sync' }, 10_000);
      for (const m of sync.messages as Array<{ id: string; text: string }>) show(agent, m.id, m.text);
      cursors.set(agent, (sync.cursor as string | null) ?? since);
    };
    await Promise.all(agents.map(attach));

    const ids: string[] = [];
    let seed = 7;
    const random = () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    for (let n = 0; n < 20; n++) {
      const sending = api(supervisorToken, 'POST', '/messages', { text: `Chaos ${n}`, to: { teams: ['chaos'] } });
      // Meanwhile ~30% of agents drop abruptly and come back.
      const victims = agents.filter(() => random() < 0.3);
      await Promise.all(
        victims.map(async (agent) => {
          clients.get(agent)?.socket.terminate();
          await new Promise((r) => setTimeout(r, Math.floor(random() * 50)));
          await attach(agent);
        }),
      );
      ids.push((await sending).body.id as string);
    }
    // Settle: every agent resumes once more from its cursor.
    await new Promise((r) => setTimeout(r, 500));
    await Promise.all(agents.map(attach));

    let lost = 0;
    for (const agent of agents) for (const id of ids) if (!shown.get(agent)?.has(id)) lost++;
    let duplicatesShown = 0;
    for (const agent of agents)
      for (const idsOfText of textIds.get(agent)?.values() ?? []) duplicatesShown += idsOfText.size - 1;
    expect({ lost, duplicatesShown }).toEqual({ lost: 0, duplicatesShown: 0 });
    // And the server agrees: each agent has exactly one inbox entry per message.
    const one = await (
      await TestClient.connect(rt.ws, await rt.token({ tenant: 'acme', user: 'c07', role: 'agent' }))
    ).request({ action: 'sync' });
    const chaosIds = (one.messages as Array<{ id: string }>).map((m) => m.id).filter((id) => ids.includes(id));
    expect(new Set(chaosIds).size).toBe(chaosIds.length);
    expect(chaosIds).toHaveLength(20);
  });
});
