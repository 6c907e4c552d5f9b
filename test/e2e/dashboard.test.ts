import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LOCAL_CONNECT_INSTANCE_ARN } from '../../lib/local/runtime.ts';
import { type RuntimeProcess, startRuntimeProcess } from '../support/runtime.ts';
import { type Frame, TestClient } from '../support/ws-client.ts';

/**
 * The admins' Agent Status dashboard through `npm start`: alerts raised from telemetry (one acknowledged, one cleared
 * Not Acknowledged at session end), reports filed over REST and WebSocket (one retried), heartbeat test calls played
 * by the Connect call simulator (one passed, one not answered) — and the dashboard shows exactly those counts.
 */
describe('agent status dashboard end to end', () => {
  let rt: RuntimeProcess;
  const open: TestClient[] = [];
  const tokens: Record<string, string> = {};

  const api = async (
    who: string,
    method: string,
    path: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ) => {
    const res = await fetch(`${rt.http}${path}`, {
      method,
      headers: {
        ...(tokens[who] ? { authorization: `Bearer ${tokens[who]}` } : {}),
        'content-type': 'application/json',
        ...headers,
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : undefined };
  };
  const socket = async (who: string) => {
    const client = await TestClient.connect(rt.ws, tokens[who] ?? '');
    open.push(client);
    expect((await client.request({ action: 'ping' })).type).toBe('pong');
    return client;
  };
  const setStatus = async (client: TestClient, status: string) =>
    expect((await client.request({ action: 'setStatus', status })).type).toBe('status-set');
  const micBlocked = (contactId: string) => ({
    action: 'telemetry',
    contactId,
    errors: [{ errorType: 'microphone_not_shared', timestamp: new Date().toISOString() }],
  });

  beforeAll(async () => {
    rt = await startRuntimeProcess({ SEED: 'none' });
    for (const [tenant, user, role] of [
      ['acme', 'ada', 'admin'],
      ['acme', 'sam', 'supervisor'],
      ['acme', 'alice', 'agent'],
      ['acme', 'bob', 'agent'],
      ['globex', 'gus', 'admin'],
    ] as const)
      tokens[user] = await rt.token({ tenant, user, role });
    tokens.olga = await rt.token({ tenant: 'ops', user: 'olga', role: 'agent', groups: ['operator'] });
    for (const [id, team, queues] of [
      ['alice', 'blue', ['sales']],
      ['bob', 'blue', ['support']],
      ['carol', 'red', ['sales']],
    ] as const)
      expect((await api('ada', 'PUT', `/directory/agents/${id}`, { displayName: id, team, queues })).status).toBe(201);
    // Another tenant with an agent of the same id.
    expect(
      (await api('gus', 'PUT', '/directory/agents/alice', { displayName: 'Other Alice', team: 'blue' })).status,
    ).toBe(201);
  });
  afterAll(async () => {
    await Promise.all(open.map((c) => c.close()));
    await rt?.stop();
  });

  it('counts alerts by type and acknowledgement, reports by category and severity, heartbeat results', async () => {
    // Alerts, without Connect: the widget's contact id counts while alice has a session.
    const alice = await socket('alice');
    await setStatus(alice, 'available');
    await alice.request(micBlocked('c-1'));
    const first = (await alice.waitFor((f) => f.type === 'alert', 20_000)).alert as Frame;
    expect((await alice.request({ action: 'ackAlert', alertId: first.id })).type).toBe('alert-acknowledged');
    // Samples are per second: one in the same second as the first would be a duplicate of it, not a new breach.
    const nextSecond = Date.parse(first.raisedAt as string) + 1_000 - Date.now();
    if (nextSecond > 0) await new Promise((resolve) => setTimeout(resolve, nextSecond));
    await alice.request(micBlocked('c-2'));
    const second = (await alice.waitFor((f) => f.type === 'alert' && (f.alert as Frame).id !== first.id, 20_000))
      .alert as Frame;
    // Acknowledging twice counts once.
    expect((await alice.request({ action: 'ackAlert', alertId: first.id })).type).toBe('alert-acknowledged');
    // The session ends with the second alert still active: it closes Not Acknowledged.
    await setStatus(alice, 'offline');
    const cleared = await alice.waitFor(
      (f) => f.type === 'alert-cleared' && (f.alert as Frame).id === second.id,
      20_000,
    );
    expect(cleared.alert).toMatchObject({ state: 'not-acknowledged', clearedBy: 'session-end' });

    // Reports: one retried with its idempotency key, one over the WebSocket, one by bob.
    const key = { 'idempotency-key': 'dash-1' };
    const missed = { category: 'missed-call', severity: 'minor' };
    expect((await api('alice', 'POST', '/reports', missed, key)).status).toBe(201);
    expect((await api('alice', 'POST', '/reports', missed, key)).body).toMatchObject({ replayed: true });
    expect(
      (await alice.request({ action: 'reportIssue', category: 'poor-sound-quality', severity: 'minor' })).type,
    ).toBe('reportAccepted');
    expect(
      (await api('bob', 'POST', '/reports', { category: 'poor-sound-quality', severity: 'terrible' })).status,
    ).toBe(201);

    // Heartbeats: alice's call is not answered, bob's passes.
    expect(
      (await api('olga', 'PUT', '/operator/tenants/acme/connect-instance', { instanceArn: LOCAL_CONNECT_INSTANCE_ARN }))
        .status,
    ).toBe(200);
    await setStatus(alice, 'available');
    const bob = await socket('bob');
    await setStatus(bob, 'available');
    expect(
      (await fetch(`${rt.connect}/_local/simulate`, { method: 'POST', body: JSON.stringify({ failure: 'no-answer' }) }))
        .status,
    ).toBe(200);
    const config = {
      enabled: true,
      cadenceMinutes: 15,
      window: { fromHour: 0, toHour: 24 },
      contactFlowId: '1b0e6b2a-3c4d-4e5f-8a9b-0c1d2e3f4a5b',
      maxConcurrent: 2,
    };
    expect((await api('ada', 'PUT', '/heartbeat/config', config)).status).toBe(200);
    const finished = (client: TestClient) =>
      client.waitFor((f) => f.type === 'heartbeat.finished', 30_000).then((f) => f.heartbeat as Frame);
    const [aliceHb, bobHb] = await Promise.all([finished(alice), finished(bob)]);
    expect([aliceHb.state, bobHb.state]).toEqual(['failed', 'passed']);
    // No second round within the cadence: switch heartbeats off before reading.
    expect((await api('ada', 'PUT', '/heartbeat/config', { ...config, enabled: false })).status).toBe(200);

    const page = await api('ada', 'GET', '/dashboard/agents');
    expect(page.status).toBe(200);
    expect(page.body).toMatchObject({ timeZone: 'UTC', cursor: null });
    expect(page.body.days).toHaveLength(7);
    const [a, b, c] = page.body.items;
    expect(page.body.items.map((i: Frame) => i.agent)).toEqual(['alice', 'bob', 'carol']);

    expect(a.alerts).toMatchObject({ raised: 2, acknowledged: 1, notAcknowledged: 1, active: 0 });
    expect(a.alerts.byType.micBlocked).toEqual({ raised: 2, acknowledged: 1, notAcknowledged: 1, active: 0 });
    expect(a.alerts.byType.poorNetwork.raised).toBe(0);
    expect(a.reports.total).toBe(2);
    expect(a.reports.byCategory).toMatchObject({ 'missed-call': 1, 'poor-sound-quality': 1, 'something-else': 0 });
    expect(a.reports.bySeverity).toEqual({ terrible: 0, difficult: 0, minor: 2 });
    expect(a.heartbeats).toMatchObject({
      passed: 0,
      failed: 1,
      passRate: 0,
      last: { id: aliceHb.id, state: 'failed' },
    });

    expect(b.alerts.raised).toBe(0);
    expect(b.reports).toMatchObject({ total: 1, bySeverity: { terrible: 1 } });
    expect(b.heartbeats).toMatchObject({
      passed: 1,
      failed: 0,
      passRate: 1,
      last: { id: bobHb.id, state: 'passed', mos: expect.any(Number) },
    });
    expect(b.heartbeats.days.at(-1)).toMatchObject({ date: page.body.to, passed: 1 });
    expect(b.status).toMatchObject({ code: expect.any(String), label: expect.any(String) });

    expect(c).toMatchObject({ agent: 'carol', team: 'red', status: { code: 'offline' } });
    expect([c.alerts.raised, c.reports.total, c.heartbeats.passRate]).toEqual([0, 0, null]);

    // Filters through the directory's teams and queues; pages over agents.
    const agents = async (query: string) =>
      (await api('ada', 'GET', `/dashboard/agents?${query}`)).body.items.map((i: Frame) => i.agent);
    expect(await agents('team=blue')).toEqual(['alice', 'bob']);
    expect(await agents('queue=sales')).toEqual(['alice', 'carol']);
    expect(await agents('team=blue&queue=support')).toEqual(['bob']);
    const first2 = await api('ada', 'GET', '/dashboard/agents?limit=2');
    expect(first2.body.items).toHaveLength(2);
    expect(await agents(`limit=2&cursor=${encodeURIComponent(first2.body.cursor)}`)).toEqual(['carol']);
    // A period before today shows none of today's facts.
    expect(
      (await api('ada', 'GET', '/dashboard/agents?from=2026-01-01&to=2026-01-31')).body.items[0].alerts.raised,
    ).toBe(0);
  });

  it('is for admins of the caller’s own tenant only, and refuses bad filters with 400 and a code', async () => {
    expect((await api('sam', 'GET', '/dashboard/agents')).status).toBe(403);
    expect((await api('alice', 'GET', '/dashboard/agents')).status).toBe(403);
    expect((await api('olga', 'GET', '/dashboard/agents')).status).toBe(403);
    expect((await api('nobody', 'GET', '/dashboard/agents')).status).toBe(401);
    // globex's admin sees globex's directory only: its own alice, none of acme's counts.
    const other = await api('gus', 'GET', '/dashboard/agents');
    expect(other.body.items).toHaveLength(1);
    expect(other.body.items[0]).toMatchObject({ agent: 'alice', displayName: 'Other Alice', reports: { total: 0 } });
    expect(other.body.items[0].alerts.raised).toBe(0);

    const refused = async (query: string) => {
      const res = await api('ada', 'GET', `/dashboard/agents?${query}`);
      return [res.status, res.body?.code];
    };
    expect(await refused('from=2026-11-10&to=2026-11-01')).toEqual([400, 'BAD_RANGE']);
    expect(await refused('from=2026-01-01&to=2026-03-01')).toEqual([400, 'RANGE_TOO_LONG']);
    expect(await refused('from=2026-02-30')).toEqual([400, 'VALIDATION_FAILED']);
    expect(await refused('agent=alice')).toEqual([400, 'VALIDATION_FAILED']);
    expect(await refused('limit=500')).toEqual([400, 'VALIDATION_FAILED']);
    expect(await refused('cursor=eyJway')).toEqual([400, 'BAD_CURSOR']);
  });
});
