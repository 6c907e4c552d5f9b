import { describe, expect, it } from 'vitest';
import {
  acknowledgeAlert,
  type LifecycleDeps,
  myAlerts,
  onAgentEvent,
  queryAlerts,
} from '../../functions/domain/alerts/lifecycle.ts';
import type { Alert } from '../../functions/domain/alerts/model.ts';
import {
  ManualClock,
  MemoryAlertStore,
  MemoryStatuses,
  RecordingFeed,
  RecordingNotifier,
} from '../support/alerts-memory.ts';

const NOW = Date.parse('2026-03-02T10:00:00Z');
const alice = { tenant: 'acme', user: 'alice', role: 'agent' as const };

function alert(id: string, overrides: Partial<Alert> = {}): Alert {
  return {
    tenant: 'acme',
    agent: 'alice',
    id,
    rule: 'poorNetwork',
    contactId: 'c-1',
    state: 'active',
    raisedAt: '2026-03-02T09:59:00.000Z',
    breachStartedAt: '2026-03-02T09:58:45.000Z',
    threshold: { metric: 'mos', operator: '<', value: 3.5, seconds: 15 },
    evidence: [],
    breaches: 1,
    updatedAt: '2026-03-02T09:59:00.000Z',
    expiresAt: Math.floor(NOW / 1000) + 86_400,
    ...overrides,
  };
}

function setup() {
  const alerts = new MemoryAlertStore();
  const notifier = new RecordingNotifier();
  const feed = new RecordingFeed();
  const deps: LifecycleDeps = { alerts, notifier, feed, clock: new ManualClock(NOW) };
  return { alerts, notifier, feed, deps };
}

describe('acknowledgement (thumbs up)', () => {
  it('clears the alert at once, records who and when, and tells the agent, its monitors and the feed', async () => {
    const { alerts, notifier, feed, deps } = setup();
    await alerts.raise(alert('1.poorNetwork.c-1'));

    const acked = await acknowledgeAlert(deps, alice, '1.poorNetwork.c-1');

    expect(acked).toMatchObject({
      state: 'acknowledged',
      acknowledgedBy: 'alice',
      acknowledgedAt: new Date(NOW).toISOString(),
      clearedBy: 'agent',
    });
    expect(notifier.pushes).toMatchObject([
      { user: 'alice', event: { type: 'alert-cleared', alert: { state: 'acknowledged' } } },
    ]);
    expect(feed.events).toMatchObject([{ tenant: 'acme', event: { type: 'alert-cleared', agent: 'alice' } }]);
    // Twice is fine (a double tap), and pushes nothing more.
    expect(await acknowledgeAlert(deps, alice, '1.poorNetwork.c-1')).toMatchObject({ state: 'acknowledged' });
    expect(notifier.pushes).toHaveLength(1);
  });

  it("cannot reach another agent's or tenant's alert (404), nor one already cleared (409)", async () => {
    const { alerts, deps } = setup();
    await alerts.raise(alert('1.poorNetwork.c-1', { agent: 'bob' }));
    await alerts.raise(alert('2.poorNetwork.c-1', { tenant: 'globex' }));
    await alerts.raise(alert('3.highCpu.c-1', { state: 'not-acknowledged', clearedBy: 'next-contact' }));

    await expect(acknowledgeAlert(deps, alice, '1.poorNetwork.c-1')).rejects.toMatchObject({ statusCode: 404 });
    await expect(acknowledgeAlert(deps, alice, '2.poorNetwork.c-1')).rejects.toMatchObject({ statusCode: 404 });
    await expect(acknowledgeAlert(deps, alice, '3.highCpu.c-1')).rejects.toMatchObject({
      statusCode: 409,
      code: 'ALERT_CLEARED',
    });
    await expect(acknowledgeAlert(deps, { ...alice, role: 'supervisor' }, '1.poorNetwork.c-1')).rejects.toMatchObject({
      statusCode: 403,
    });
  });
});

describe('clearing without acknowledgement', () => {
  it('closes active alerts Not Acknowledged when the next contact is offered; acknowledged ones stay', async () => {
    const { alerts, notifier, deps } = setup();
    await alerts.raise(alert('1.poorNetwork.c-1'));
    await alerts.raise(alert('2.highCpu.c-1', { rule: 'highCpu' }));
    await acknowledgeAlert(deps, alice, '2.highCpu.c-1');
    await alerts.raise(alert('3.poorNetwork.c-1', { agent: 'bob' }));

    await onAgentEvent(() => deps)({
      type: 'contact-offered',
      tenant: 'acme',
      agent: 'alice',
      contact: { contactId: 'c-2', channel: 'VOICE', state: 'CONNECTING' },
      at: new Date(NOW).toISOString(),
    });

    const byId = new Map(alerts.all().map((a) => [a.id, a]));
    expect(byId.get('1.poorNetwork.c-1')).toMatchObject({ state: 'not-acknowledged', clearedBy: 'next-contact' });
    expect(byId.get('1.poorNetwork.c-1')?.acknowledgedBy).toBeUndefined();
    expect(byId.get('2.highCpu.c-1')).toMatchObject({ state: 'acknowledged' });
    expect(byId.get('3.poorNetwork.c-1')).toMatchObject({ state: 'active' });
    expect(notifier.pushes.at(-1)).toMatchObject({
      event: { type: 'alert-cleared', alert: { id: '1.poorNetwork.c-1' } },
    });
  });

  it('closes them at session end too', async () => {
    const { alerts, deps } = setup();
    await alerts.raise(alert('1.micBlocked.c-1', { rule: 'micBlocked' }));

    await onAgentEvent(() => deps)({
      type: 'agent-session-ended',
      tenant: 'acme',
      agent: 'alice',
      endedAt: new Date(NOW).toISOString(),
      source: 'connect',
    });

    expect(alerts.all()).toMatchObject([{ state: 'not-acknowledged', clearedBy: 'session-end' }]);
  });
});

describe("the agent's view and the admins' record", () => {
  it('shows the current session only, and nothing once the session ended', async () => {
    const alerts = new MemoryAlertStore();
    const statuses = new MemoryStatuses();
    statuses.set('acme', 'alice', 'in-call', { id: 'c-1', state: 'CONNECTED' }); // session since 2026-01-01
    await alerts.raise(alert('1.poorNetwork.c-1'));
    await alerts.raise(alert('2.highCpu.c-0', { raisedAt: '2025-12-31T23:00:00.000Z', state: 'acknowledged' }));
    await alerts.raise(alert('3.highCpu.c-1', { state: 'acknowledged' }));

    const view = await myAlerts({ alerts, statuses }, alice);
    expect(view.active.map((a) => a.id)).toEqual(['1.poorNetwork.c-1']);
    expect(view.history.map((a) => a.id)).toEqual(['3.highCpu.c-1']);
    expect(JSON.stringify(view)).not.toContain('"tenant"');

    statuses.set('acme', 'alice', 'offline');
    expect(await myAlerts({ alerts, statuses }, alice)).toEqual({ sessionStart: null, active: [], history: [] });
  });

  it('lets admins only query the record, within their tenant', async () => {
    const alerts = new MemoryAlertStore();
    await alerts.raise(alert('1.poorNetwork.c-1'));
    await alerts.raise(alert('2.poorNetwork.c-1', { tenant: 'globex' }));
    const deps = { alerts, clock: new ManualClock(NOW) };
    const admin = { tenant: 'acme', user: 'ada', role: 'admin' as const };

    expect((await queryAlerts(deps, admin, { limit: 50 })).items.map((a) => a.id)).toEqual(['1.poorNetwork.c-1']);
    await expect(queryAlerts(deps, { ...admin, role: 'supervisor' }, { limit: 50 })).rejects.toMatchObject({
      statusCode: 403,
    });
  });
});
