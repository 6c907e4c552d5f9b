import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TokenRequest } from '../../lib/local/issuer.ts';
import { callApi, closeSockets, openSocket } from '../support/e2e.ts';
import { type RuntimeProcess, startRuntimeProcess } from '../support/runtime.ts';
import { type Frame, RefusedError, TestClient } from '../support/ws-client.ts';

const expOf = (token: string) =>
  (JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString()) as { exp: number }).exp;

/**
 * Identity through `npm start` and the local issuer: what a token lets a caller do over HTTP and WebSocket, and for
 * how long — with real sockets and the real verifier, no bypass.
 */
describe('tokens, sockets and monitoring end to end', () => {
  let rt: RuntimeProcess;
  const open: TestClient[] = [];

  const token = (request: Omit<TokenRequest, 'tenant'>) => rt.token({ tenant: 'acme', ...request });
  const api = (bearer: string, method: string, path: string, body?: unknown) =>
    callApi(rt.http, bearer, method, path, body);
  const connect = (bearer: string) => openSocket(open, rt.ws, bearer);
  const refusal = (bearer: string) =>
    TestClient.connect(rt.ws, bearer).then(
      (c) => {
        open.push(c);
        return 0;
      },
      (error: unknown) => (error instanceof RefusedError ? error.status : -1),
    );

  beforeAll(async () => {
    rt = await startRuntimeProcess({ SEED: 'none' });
    const admin = await token({ user: 'ada', role: 'admin' });
    const imported = await api(admin, 'POST', '/directory/agents/import', {
      agents: [
        { agentId: 'alice', displayName: 'Alice Smith', team: 'blue' },
        { agentId: 'bob', displayName: 'Bob Jones', team: 'blue' },
      ],
    });
    expect(imported.status).toBe(200);
  });
  afterAll(async () => {
    await closeSockets(open);
    await rt?.stop();
  });

  it('accepts exactly the same tokens over HTTP and WebSocket', async () => {
    const access = await token({ user: 'ada', role: 'admin', claims: { token_use: 'access' } });
    expect((await api(access, 'GET', '/me')).status).toBe(401);
    expect(await refusal(access)).toBe(401);

    // A group called "team,admin" is one group, not two: no admin rights on either transport.
    const sneaky = await token({ user: 'eve', role: 'agent', groups: ['agent', 'team,admin'] });
    expect((await api(sneaky, 'GET', '/me')).body.role).toBe('agent');
    expect((await api(sneaky, 'GET', '/settings')).status).toBe(403);
    const eve = await connect(sneaky);
    expect(await eve.request({ action: 'subscribeStatus' })).toMatchObject({ type: 'error', status: 403 });
    const nobody = await token({ user: 'eve', role: 'agent', groups: ['team,admin'] });
    expect(await api(nobody, 'GET', '/me')).toMatchObject({ status: 403, body: { code: 'NO_ROLE' } });
    expect(await refusal(nobody)).toBe(403);
  });

  it('shows agents the admin-kept display name of the sender, never the name the sender chose', async () => {
    const sam = await token({
      user: 'sam',
      role: 'supervisor',
      name: 'Sam Supervisor',
      claims: { name: 'The Chief Executive' },
    });
    expect((await api(sam, 'GET', '/me')).body.name).toBe('Sam Supervisor');
    const alice = await connect(await token({ user: 'alice', role: 'agent' }));
    const sent = await api(sam, 'POST', '/messages', { text: 'Who am I?', to: { agentIds: ['alice'] } });
    expect(sent.status).toBe(201);
    const pushed = await alice.waitFor(
      (f) => f.type === 'message' && (f.message as { id: string }).id === sent.body.id,
    );
    expect((pushed.message as { from: unknown }).from).toEqual({ id: 'sam', name: 'Sam Supervisor' });

    // Without the attribute, agents see the user id — not a self-chosen `name`.
    const mallory = await token({ user: 'mallory', role: 'supervisor', claims: { name: 'Sam Supervisor' } });
    const second = await api(mallory, 'POST', '/messages', { text: 'Trust me', to: { agentIds: ['alice'] } });
    const fromMallory = await alice.waitFor(
      (f) => f.type === 'message' && (f.message as { id: string }).id === second.body.id,
    );
    expect((fromMallory.message as { from: unknown }).from).toEqual({ id: 'mallory', name: 'mallory' });
  });

  it('monitors agents of the directory only', async () => {
    const sue = await connect(await token({ user: 'sue', role: 'supervisor' }));
    for (const target of ['ada', 'sam', 'nobody']) {
      expect(await sue.request({ action: 'monitor', agent: target })).toMatchObject({
        type: 'error',
        status: 404,
        code: 'AGENT_NOT_FOUND',
      });
    }
    expect(await sue.request({ action: 'monitor', agent: 'bob' })).toMatchObject({ type: 'monitoring', agent: 'bob' });
  });

  it('a socket acts with a valid token only: past exp every frame is TOKEN_EXPIRED and pushes stop', {
    timeout: 60_000,
  }, async () => {
    const admin = await token({ user: 'ada', role: 'admin' });
    const sender = await token({ user: 'sam', role: 'supervisor', name: 'Sam Supervisor' });
    const shortAgent = await token({ user: 'bob', role: 'agent', ttlSeconds: 10 });
    const shortSupervisor = await token({ user: 'sue', role: 'supervisor', ttlSeconds: 10 });
    const bob = await connect(shortAgent);
    const sue = await connect(shortSupervisor);
    expect(await bob.request({ action: 'ping' })).toMatchObject({ type: 'pong' });
    const first = await bob.request({ action: 'sync' });
    expect(first.type).toBe('sync');
    const subscribed = await sue.request({ action: 'subscribeStatus' });
    expect(subscribed.type).toBe('status-subscribed');
    // The snapshot is the directory's agents: never-seen ones Offline since they were added, with their team.
    expect(subscribed.agents).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ agent: 'bob', status: 'offline', team: 'blue', since: expect.any(String) }),
      ]),
    );
    expect(await sue.request({ action: 'monitor', agent: 'alice' })).toMatchObject({ type: 'monitoring' });
    const aliceToken = await token({ user: 'alice', role: 'agent' });
    const alice = await connect(aliceToken);
    expect(await alice.request({ action: 'setStatus', status: 'available' })).toMatchObject({ type: 'status-set' });
    await sue.waitForFeedEvent((f) => f.type === 'status' && f.agent === 'alice' && f.status === 'available');
    await sue.waitFor((f) => f.type === 'monitor' && f.agent === 'alice');

    // Wait until both tokens have expired.
    const until = Math.max(expOf(shortAgent), expOf(shortSupervisor)) * 1000 + 200;
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, until - Date.now())));
    const bobSeen = bob.frames.length;
    const sueSeen = sue.frames.length;

    for (const [client, frame] of [
      [bob, { action: 'ping' }],
      [bob, { action: 'sync' }],
      [sue, { action: 'subscribeStatus' }],
      [sue, { action: 'monitor', agent: 'alice' }],
    ] as const) {
      const reply = await client.request(frame);
      expect(reply).toMatchObject({ type: 'error', status: 401, code: 'TOKEN_EXPIRED' });
    }
    // Nothing is pushed past exp: not a message to the expired agent, not the feed, not the monitor.
    const sent = await api(sender, 'POST', '/messages', { text: 'After exp', to: { agentIds: ['bob', 'alice'] } });
    expect(sent.status).toBe(201);
    await alice.waitFor((f) => f.type === 'message' && (f.message as { id: string }).id === sent.body.id);
    expect(await alice.request({ action: 'setStatus', status: 'away' })).toMatchObject({ type: 'status-set' });
    // An admin's view proves the change happened; the expired supervisor socket must not have seen it.
    await expect
      .poll(async () => (await api(admin, 'GET', '/status/agents')).body.items.find((i: Frame) => i.agent === 'alice'))
      .toMatchObject({ status: 'away' });
    await new Promise((resolve) => setTimeout(resolve, 500));
    const late = (frames: readonly Frame[], seen: number) => frames.slice(seen).filter((f) => f.type !== 'error');
    expect(late(bob.frames, bobSeen)).toEqual([]);
    expect(late(sue.frames, sueSeen)).toEqual([]);

    // Renewal: reconnect with a fresh token and sync from the cursor — nothing is lost.
    const renewed = await connect(await token({ user: 'bob', role: 'agent' }));
    const resumed = await renewed.request(first.cursor ? { action: 'sync', since: first.cursor } : { action: 'sync' });
    expect(resumed.type).toBe('sync');
    expect((resumed.messages as Array<{ id: string }>).map((m) => m.id)).toContain(sent.body.id);
  });
});
