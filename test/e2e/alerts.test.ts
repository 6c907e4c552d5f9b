import type { KinesisClient } from '@aws-sdk/client-kinesis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { localKinesisClient } from '../../lib/local/kinesis.ts';
import { agentEvent } from '../support/agent-events.ts';
import { callApi, closeSockets, openSocket, writeAgentEvents } from '../support/e2e.ts';
import { type RuntimeProcess, startRuntimeProcess } from '../support/runtime.ts';
import { secondOfStats } from '../support/telemetry.ts';
import type { Frame, TestClient } from '../support/ws-client.ts';

const INSTANCE_ID = '7a1e8d7a-1111-4222-8333-444455556666';
const INSTANCE = `arn:aws:connect:us-east-1:000000000000:instance/${INSTANCE_ID}`;

/**
 * Telemetry into alerts through `npm start`: Connect agent events written to kinesalite put alice on a call; her widget
 * streams a degrading call over the WebSocket; the telemetry stream's processor raises the alert; she acknowledges it;
 * a second alert left alone closes Not Acknowledged when her next contact is offered.
 */
describe('telemetry alerts end to end', () => {
  let rt: RuntimeProcess;
  let kinesis: KinesisClient;
  const open: TestClient[] = [];
  let admin: string;

  const api = (token: string, method: string, path: string, body?: unknown) =>
    callApi(rt.http, token, method, path, body);
  const connect = async (user: string, role: 'agent' | 'supervisor') =>
    openSocket(open, rt.ws, await rt.token({ tenant: 'acme', user, role }));
  // Agent events from ten minutes ago on: the session began before any telemetry sample.
  let clock = Date.now() - 600_000;
  const connectEvent = (
    contacts: Array<{ id: string; state: string }>,
    type: 'LOGIN' | 'STATE_CHANGE' = 'STATE_CHANGE',
  ) => {
    clock += 1000;
    return agentEvent({ instanceArn: INSTANCE, user: 'alice', type, at: new Date(clock), team: 'blue', contacts });
  };
  const putAgentEvents = async (records: Record<string, unknown>[]) => {
    const out = await writeAgentEvents(kinesis, records);
    expect(out.FailedRecordCount ?? 0).toBe(0);
  };
  const waitForStatus = async (status: string) => {
    const token = await rt.token({ tenant: 'acme', user: 'alice', role: 'agent' });
    await expect
      .poll(async () => (await api(token, 'GET', '/me/status')).body?.status, { timeout: 20_000, interval: 200 })
      .toBe(status);
  };

  beforeAll(async () => {
    rt = await startRuntimeProcess({ SEED: 'none', CONNECT_INSTANCES: INSTANCE_ID });
    kinesis = localKinesisClient(rt.kinesis);
    admin = await rt.token({ tenant: 'acme', user: 'ada', role: 'admin' });
    // The deployment's operator binds the instance to the tenant: from then on Connect decides the active contact.
    const operator = await rt.token({ tenant: 'ops', user: 'olga', role: 'agent', groups: ['operator'] });
    expect(
      (await api(operator, 'PUT', '/operator/tenants/acme/connect-instance', { instanceArn: INSTANCE })).status,
    ).toBe(200);
    await api(admin, 'PUT', '/directory/agents/alice', { displayName: 'Alice Smith', team: 'blue' });
  });
  afterAll(async () => {
    await closeSockets(open);
    kinesis?.destroy();
    await rt?.stop();
  });

  it('raises exactly one poor-network alert with evidence, acknowledged by the agent; the next one closes Not Acknowledged', async () => {
    const alice = await connect('alice', 'agent');
    const sam = await connect('sam', 'supervisor');
    const wanda = await connect('wanda', 'supervisor');
    expect((await sam.request({ action: 'subscribeStatus' })).type).toBe('status-subscribed');
    expect((await wanda.request({ action: 'monitor', agent: 'alice' })).type).toBe('monitoring');

    // Not on a contact yet (Connect says idle): a degraded call's stats raise nothing, whatever the widget claims.
    await putAgentEvents([connectEvent([], 'LOGIN')]);
    await waitForStatus('idle');
    const t0 = Date.now() - 120_000;
    for (let s = 0; s < 20; s++) {
      const reply = await alice.request({
        action: 'telemetry',
        contactId: 'c-1',
        stats: secondOfStats(t0 + s * 1000, { lossPercent: 20 }),
      });
      expect(reply).toMatchObject({ type: 'telemetry', accepted: 2, dropped: false });
    }

    // On a call: good seconds, then the call degrades (≈ 20 % loss) for 16 s — one second per frame.
    await putAgentEvents([
      connectEvent([{ id: 'c-1', state: 'CONNECTING' }]),
      connectEvent([{ id: 'c-1', state: 'CONNECTED' }]),
    ]);
    await waitForStatus('in-call');
    const t1 = Math.floor(Date.now() / 1000) * 1000 - 60_000; // samples are per whole second
    const frames = [
      ...Array.from({ length: 3 }, (_, s) => secondOfStats(t1 + s * 1000)),
      ...Array.from({ length: 20 }, (_, s) => secondOfStats(t1 + (3 + s) * 1000, { lossPercent: 20 })),
    ];
    // The widget forwards softphone_stats' data unchanged (contactId, ccpVersion, stats); the contact id it claims
    // does not matter with Connect bound.
    for (const stats of frames)
      await alice.request({ action: 'telemetry', contactId: 'ignored', ccpVersion: '2.0', stats });

    const raised = await alice.waitFor((f) => f.type === 'alert', 20_000);
    const alert = raised.alert as Record<string, unknown> & { evidence: Array<Record<string, unknown>> };
    expect(alert).toMatchObject({
      rule: 'poorNetwork',
      state: 'active',
      contactId: 'c-1',
      agent: 'alice',
      raisedAt: new Date(t1 + 18_000).toISOString(),
      threshold: { metric: 'mos', operator: '<', value: 3.5, seconds: 15 },
      selfHelp: { title: expect.any(String) },
    });
    expect(alert.evidence).toHaveLength(16);
    for (const point of alert.evidence) expect(Number(point.mos)).toBeLessThan(3.5);
    await sam.waitFor((f) => f.type === 'alert' && f.agent === 'alice', 10_000);
    await wanda.waitFor((f) => f.type === 'monitor' && (f.event as Frame).type === 'alert', 10_000);

    // Thumbs up over the WebSocket.
    const acked = await alice.request({ action: 'ackAlert', alertId: alert.id });
    expect(acked).toMatchObject({
      type: 'alert-acknowledged',
      alert: { state: 'acknowledged', acknowledgedBy: 'alice' },
    });
    await alice.waitFor((f) => f.type === 'alert-cleared', 10_000);
    const recorded = await api(admin, 'GET', '/alerts?agent=alice');
    expect(recorded.status).toBe(200);
    expect(recorded.body.items).toMatchObject([{ id: alert.id, state: 'acknowledged', acknowledgedBy: 'alice' }]);
    // Exactly one alert for that breach: the degraded seconds after it raised nothing more.
    expect(alice.frames.filter((f) => f.type === 'alert')).toHaveLength(1);

    // A report flagged from the alert is pre-filled from the stored alert, not from what the widget claims.
    const aliceToken = await rt.token({ tenant: 'acme', user: 'alice', role: 'agent' });
    const flagged = {
      category: 'poor-sound-quality',
      severity: 'difficult',
      alertId: alert.id,
      alertType: 'highCpu',
      contactId: 'c-forged',
    };
    const report = await api(aliceToken, 'POST', '/reports', flagged);
    expect(report.status).toBe(201);
    expect(report.body.report).toMatchObject({
      contactId: 'c-1',
      alert: { id: alert.id, type: 'poorNetwork', verified: true },
    });
    // Another agent cannot report on (nor learn of) alice's alert.
    const bobToken = await rt.token({ tenant: 'acme', user: 'bob', role: 'agent' });
    expect(await api(bobToken, 'POST', '/reports', flagged)).toMatchObject({
      status: 404,
      body: { code: 'ALERT_NOT_FOUND' },
    });

    // A second alert (microphone blocked), left alone.
    await alice.request({
      action: 'telemetry',
      errors: [
        {
          errorType: 'microphone_not_shared',
          errorMessage: 'Permission denied',
          timestamp: new Date(t1 + 30_000).toISOString(),
        },
      ],
    });
    const second = await alice.waitFor((f) => f.type === 'alert' && (f.alert as Frame).rule === 'micBlocked', 20_000);
    const mine = await api(await rt.token({ tenant: 'acme', user: 'alice', role: 'agent' }), 'GET', '/me/alerts');
    expect(mine.body.active.map((a: { rule: string }) => a.rule)).toEqual(['micBlocked']);
    expect(mine.body.history.map((a: { rule: string }) => a.rule)).toEqual(['poorNetwork']);

    // The call ends (after-contact work), then the next contact is offered: the alert closes Not Acknowledged.
    await putAgentEvents([
      connectEvent([{ id: 'c-1', state: 'ENDED' }]),
      connectEvent([{ id: 'c-2', state: 'CONNECTING' }]),
    ]);
    const cleared = await alice.waitFor(
      (f) => f.type === 'alert-cleared' && (f.alert as Frame).id === (second.alert as Frame).id,
      20_000,
    );
    expect(cleared.alert).toMatchObject({ state: 'not-acknowledged', clearedBy: 'next-contact' });
    const all = await api(admin, 'GET', '/alerts?agent=alice&state=not-acknowledged');
    expect(all.body.items).toMatchObject([{ rule: 'micBlocked', state: 'not-acknowledged' }]);
    expect((await api(admin, 'GET', '/alerts?team=blue')).body.items).toHaveLength(2);
  });

  it('refuses bad telemetry with a clear error frame, and keeps tenants and roles apart', async () => {
    const alice = await connect('alice', 'agent');
    const bad = await alice.request({
      action: 'telemetry',
      stats: [{ softphoneStreamType: 'video', timestamp: 'soon' }],
    });
    expect(bad).toMatchObject({ type: 'error', status: 400, code: 'VALIDATION_FAILED' });
    expect(await alice.request({ action: 'telemetry' })).toMatchObject({ type: 'error', status: 400 });
    const sam = await connect('sam', 'supervisor');
    expect(await sam.request({ action: 'telemetry', stats: secondOfStats(Date.now()) })).toMatchObject({
      type: 'error',
      status: 403,
    });
    // Another tenant's admin sees none of acme's alerts.
    const other = await rt.token({ tenant: 'globex', user: 'gus', role: 'admin' });
    expect((await api(other, 'GET', '/alerts?agent=alice')).body.items).toEqual([]);
  });
});
