import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeSockets } from '../support/e2e.ts';
import { type RuntimeProcess, startRuntimeProcess } from '../support/runtime.ts';
import { type Frame, TestClient } from '../support/ws-client.ts';

/** Issue reports through `npm start`: REST and WebSocket reports, the live event, lists, roles and the CSV export. */
describe('issue reports end to end', () => {
  let rt: RuntimeProcess;
  const open: TestClient[] = [];
  const tokens: Record<string, string> = {};

  const call = async (
    who: string,
    method: string,
    path: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ) => {
    const res = await fetch(`${rt.http}${path}`, {
      method,
      headers: { authorization: `Bearer ${tokens[who]}`, 'content-type': 'application/json', ...headers },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await res.text();
    const json = res.headers.get('content-type')?.startsWith('application/json');
    return { status: res.status, headers: res.headers, text, body: json && text ? JSON.parse(text) : undefined };
  };
  const connect = async (who: string) => {
    const client = await TestClient.connect(rt.ws, tokens[who]);
    open.push(client);
    return client;
  };
  const reportsIn = (client: TestClient) => client.frames.filter((f) => f.type === 'report');

  beforeAll(async () => {
    rt = await startRuntimeProcess({ SEED: 'none' });
    const users = [
      ['alice', 'acme', 'agent'],
      ['bob', 'acme', 'agent'],
      ['sam', 'acme', 'supervisor'],
      ['ada', 'acme', 'admin'],
      ['gus', 'globex', 'supervisor'],
    ] as const;
    for (const [user, tenant, role] of users) tokens[user] = await rt.token({ tenant, user, role });
    expect(
      (await call('ada', 'PUT', '/directory/agents/alice', { displayName: 'Alice Smith', team: 'blue' })).status,
    ).toBe(201);
    expect((await call('ada', 'PATCH', '/settings', { reports: { retentionDays: 30 } })).body.reports).toEqual({
      retentionDays: 30,
    });
  });
  afterAll(async () => {
    await closeSockets(open);
    await rt?.stop();
  });

  it('pushes a new report live to a subscribed supervisor, not to another tenant', async () => {
    const sam = await connect('sam');
    const gus = await connect('gus');
    expect((await sam.request({ action: 'subscribeStatus' })).type).toBe('status-subscribed');
    expect((await gus.request({ action: 'subscribeStatus' })).type).toBe('status-subscribed');

    const body = {
      category: 'poor-sound-quality',
      severity: 'terrible',
      notes: '=HYPERLINK("http://evil.example","x"), echo',
      contactId: '0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b',
      errorShown: 'Jitter above 30 ms',
      system: { cpuPercent: 88, memoryPercent: 70 },
      client: { browserName: 'Chrome', browserVersion: '131', extensionVersion: '2.4.1' },
    };
    // Flagged from an alert that is not one of alice's (none exists here): refused, nothing stored or pushed.
    const unknownAlert = await call('alice', 'POST', '/reports', {
      ...body,
      alertId: 'al-1',
      alertType: 'poorNetwork',
    });
    expect(unknownAlert).toMatchObject({ status: 404, body: { code: 'ALERT_NOT_FOUND' } });
    const created = await call('alice', 'POST', '/reports', body, { 'idempotency-key': 'first-report' });
    expect(created.status).toBe(201);
    expect(created.body.report).toMatchObject({ agent: 'alice', team: 'blue', alert: null });

    const live = await sam.waitFor((f) => f.type === 'report');
    expect(live.report).toEqual(created.body.report);

    // A retry with the same key is the same report, and nobody is told twice.
    const retry = await call('alice', 'POST', '/reports', body, { 'idempotency-key': 'first-report' });
    expect(retry.status).toBe(200);
    expect(retry.body).toEqual({ report: created.body.report, replayed: true });

    // Over the WebSocket too: the reply, then the supervisor's event.
    const bob = await connect('bob');
    const accepted = await bob.request({ action: 'reportIssue', category: 'missed-call', severity: 'minor' });
    expect(accepted).toMatchObject({ type: 'reportAccepted', replayed: false, report: { agent: 'bob', team: null } });
    const second = await sam.waitFor(
      (f: Frame) => f.type === 'report' && (f.report as { agent: string }).agent === 'bob',
    );
    expect(second.report).toEqual(accepted.report);
    const invalid = await bob.request({ action: 'reportIssue', category: 'noise', severity: 'minor' });
    expect(invalid).toMatchObject({ type: 'error', status: 400, code: 'VALIDATION_FAILED' });

    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(reportsIn(sam)).toHaveLength(2);
    expect(reportsIn(gus)).toHaveLength(0);
    expect(reportsIn(bob)).toHaveLength(0);
  });

  it('refuses invalid reports with 400 and field-level issues', async () => {
    const res = await call('alice', 'POST', '/reports', {
      category: 'poor-sound-quality',
      severity: 'awful',
      notes: 'x'.repeat(2001),
      team: 'red',
    });
    expect(res.status).toBe(400);
    expect(res.body.code).toBe('VALIDATION_FAILED');
    const future = await call('alice', 'POST', '/reports', {
      category: 'something-else',
      severity: 'minor',
      occurredAt: new Date(Date.now() + 3_600_000).toISOString(),
    });
    expect(future.status).toBe(400);
    expect(future.body.details.issues[0].path).toBe('occurredAt');
  });

  it('lets supervisors filter every report, and agents see only their own', async () => {
    const bySam = await call('sam', 'GET', '/reports?team=blue');
    expect(bySam.status).toBe(200);
    expect(bySam.body.items.map((r: { agent: string }) => r.agent)).toEqual(['alice']);
    const both = await call('ada', 'GET', '/reports?limit=1');
    expect(both.body.items).toHaveLength(1);
    const next = await call('ada', 'GET', `/reports?limit=1&cursor=${encodeURIComponent(both.body.cursor)}`);
    expect(new Set([both.body.items[0].agent, next.body.items[0].agent])).toEqual(new Set(['alice', 'bob']));
    expect((await call('sam', 'GET', '/reports?category=missed-call&severity=minor')).body.items).toHaveLength(1);

    const own = await call('alice', 'GET', '/reports');
    expect(own.body.items.map((r: { agent: string }) => r.agent)).toEqual(['alice']);
    const others = await call('alice', 'GET', '/reports?agent=bob');
    expect(others.status).toBe(403);
    expect(others.body.code).toBe('OWN_REPORTS_ONLY');
    expect((await call('gus', 'GET', '/reports')).body.items).toEqual([]);
    expect((await call('sam', 'GET', '/reports?severity=awful')).status).toBe(400);
  });

  it('exports a period as formula-safe CSV to supervisors only', async () => {
    const from = new Date(Date.now() - 3_600_000).toISOString();
    const to = new Date(Date.now() + 60_000).toISOString();
    const res = await call('sam', 'GET', `/reports/export?from=${from}&to=${to}`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/csv/);
    expect(res.headers.get('x-row-count')).toBe('2');
    const lines = res.text.split('\r\n');
    expect(lines[0]).toMatch(/^id,reportedAt,occurredAt,agent,/);
    expect(lines).toHaveLength(4);
    expect(res.text).toContain(`"'=HYPERLINK(""http://evil.example"",""x""), echo"`);

    const paged = await call('sam', 'GET', `/reports/export?from=${from}&to=${to}&limit=1`);
    expect(paged.headers.get('x-next-cursor')).toBeTruthy();
    expect((await call('alice', 'GET', `/reports/export?from=${from}&to=${to}`)).status).toBe(403);
    expect((await call('sam', 'GET', '/reports/export')).status).toBe(400);
  });
});
