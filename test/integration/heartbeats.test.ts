import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DynamoConnectBindingStore } from '../../functions/adapters/connect-binding-repository.ts';
import { BoundConnectInstance } from '../../functions/adapters/connect-instance-of-tenant.ts';
import { DynamoHeartbeatConfigStore, DynamoHeartbeatStore } from '../../functions/adapters/heartbeat-repository.ts';
import { DynamoPresenceStore, DynamoStatusStore } from '../../functions/adapters/status-repository.ts';
import type { HeartbeatConfig } from '../../functions/domain/heartbeat-model.ts';
import { HEARTBEAT_TIMEOUT_MS, START_INTERVAL_MS } from '../../functions/domain/heartbeat-model.ts';
import {
  type ContactFlowDeps,
  type HeartbeatDeps,
  handleContactFlowEvent,
  listHeartbeats,
  type OutboundCaller,
  runHeartbeats,
  type StartResult,
  saveHeartbeatConfig,
} from '../../functions/domain/heartbeats.ts';
import type { DeliveryReport, Notifier, ServerEvent } from '../../functions/domain/notifier.ts';
import type { AgentStatus } from '../../functions/domain/status.ts';
import { startTestDynamo, type TestDynamo } from '../support/dynalite.ts';

// One instance feeds one tenant: every test's tenant gets its own.
let INSTANCE_ID = '';
let INSTANCE_ARN = '';
const OTHER_ARN = 'arn:aws:connect:eu-west-2:123456789012:instance/99999999-2222-4333-8444-555555555555';
const FLOW = '1b0e6b2a-3c4d-4e5f-8a9b-0c1d2e3f4a5b';
// Friday 10:00 UTC: inside 08-18 on weekdays.
const T0 = Date.parse('2026-11-27T10:00:00.000Z');
const CONFIG: HeartbeatConfig = {
  enabled: true,
  cadenceMinutes: 60,
  window: { fromHour: 8, toHour: 18, days: ['MON', 'TUE', 'WED', 'THU', 'FRI'] },
  contactFlowId: FLOW,
  maxConcurrent: 3,
};

let db: TestDynamo;
const clock = { ms: T0, now: () => clock.ms };
let tenantN = 0;
let tenant: string;
let store: DynamoHeartbeatStore;
let configs: DynamoHeartbeatConfigStore;

/** Records each push with the clock at that moment. */
class RecordingNotifier implements Notifier {
  readonly pushed: Array<{ user: string; event: ServerEvent; at: number }> = [];
  private report(user: string): DeliveryReport {
    return { delivered: 1, gone: 0, failed: 0, usersReached: new Set([user]) };
  }
  async toUser(_tenant: string, user: string, event: ServerEvent) {
    this.pushed.push({ user, event, at: clock.now() });
    return this.report(user);
  }
  async toUsers(t: string, users: readonly string[], event: ServerEvent) {
    for (const u of users) await this.toUser(t, u, event);
    return this.report(users[0] ?? '');
  }
  async toEach(t: string, deliveries: readonly { user: string; event: ServerEvent }[]) {
    for (const d of deliveries) await this.toUser(t, d.user, d.event);
    return this.report('');
  }
}

/** A fake Connect: records every call with the clock; `script` decides each answer. */
class FakeCaller implements OutboundCaller {
  readonly calls: Array<{ at: number; request: Parameters<OutboundCaller['start']>[0] }> = [];
  script: Array<StartResult | Error> = [];
  canCall(instanceId: string) {
    return instanceId === INSTANCE_ID;
  }
  async start(request: Parameters<OutboundCaller['start']>[0]): Promise<StartResult> {
    this.calls.push({ at: clock.now(), request });
    const next = this.script.shift() ?? { contactId: `contact-${this.calls.length}` };
    if (next instanceof Error) throw next;
    return next;
  }
}

let notifier: RecordingNotifier;
let caller: FakeCaller;
let deps: HeartbeatDeps;
let flowDeps: ContactFlowDeps;
let ids = 0;

async function agentIs(
  agent: string,
  status: AgentStatus['status'],
  opts: { contacts?: number; online?: boolean } = {},
) {
  const statuses = new DynamoStatusStore(db.client, db.table, clock);
  const existing = await statuses.get(tenant, agent);
  const record: AgentStatus = {
    tenant,
    agent,
    status,
    since: new Date(clock.now()).toISOString(),
    source: 'agent',
    contacts: opts.contacts ?? 0,
    queues: [],
    version: (existing?.version ?? 0) + 1,
  };
  expect(await statuses.commit(record, existing?.version ?? 0)).toBe(true);
  if (opts.online !== false) {
    await new DynamoPresenceStore(db.client, db.table).touch(tenant, agent, clock.now(), clock.now() + 86_400_000, 0);
  }
}

const flowEvent = (attrs: Record<string, string>, parameters: Record<string, string>, instanceArn?: string) => ({
  Name: 'ContactFlowEvent',
  Details: {
    ContactData: {
      Attributes: attrs,
      Channel: 'VOICE',
      ContactId: 'contact-1',
      InitialContactId: 'contact-1',
      InitiationMethod: 'OUTBOUND',
      InstanceARN: instanceArn ?? INSTANCE_ARN,
      CustomerEndpoint: { Address: '+15550100100', Type: 'TELEPHONE_NUMBER' },
    },
    Parameters: parameters,
  },
});

const started = () => notifier.pushed.filter((p) => p.event.type === 'heartbeat.started');
const finished = () => notifier.pushed.filter((p) => p.event.type === 'heartbeat.finished');

beforeAll(async () => {
  db = await startTestDynamo();
});
afterAll(async () => {
  await db?.close();
});

beforeEach(async () => {
  tenant = `hb-${++tenantN}`;
  INSTANCE_ID = `11111111-2222-4333-8444-${String(tenantN).padStart(12, '0')}`;
  INSTANCE_ARN = `arn:aws:connect:eu-west-2:123456789012:instance/${INSTANCE_ID}`;
  clock.ms = T0;
  notifier = new RecordingNotifier();
  caller = new FakeCaller();
  const statuses = new DynamoStatusStore(db.client, db.table, clock);
  store = new DynamoHeartbeatStore(db.client, db.table, statuses, clock);
  configs = new DynamoHeartbeatConfigStore(db.client, db.table);
  // What the operator's binding route does (one transaction, instance → tenant and tenant → instance).
  const bindings = new DynamoConnectBindingStore(db.client, db.table);
  await bindings.bind(tenant, INSTANCE_ARN);
  const instances = new BoundConnectInstance(bindings, [INSTANCE_ARN]);
  deps = {
    store,
    configs,
    instances,
    caller,
    notifier,
    timeZone: async () => 'Europe/London',
    clock,
    // The fake clock: sleeping moves time, nothing waits for real.
    sleep: async (ms) => {
      clock.ms += ms;
    },
    newId: () => `id${++ids}`,
    warn: () => undefined,
  };
  flowDeps = { store, instances, notifier, clock, warn: () => undefined, connectUserId: async () => 'user-uuid-1' };
  await configs.put(tenant, { ...CONFIG, updatedAt: new Date(T0).toISOString(), updatedBy: 'ada' });
});

describe('a heartbeat run', () => {
  it('tests only free agents, paced under 2 requests/s and within the cap, started pushed before each call', async () => {
    for (const a of ['a1', 'a2', 'a3', 'a4']) await agentIs(a, 'available');
    await agentIs('busy', 'busy');
    await agentIs('on-call', 'available', { contacts: 1 });
    await agentIs('offline-widget', 'available', { online: false });

    const report = await runHeartbeats(deps, tenant, 'run-1');

    expect(report).toMatchObject({ started: 3, failed: 0, timedOut: 0, throttled: false });
    expect(caller.calls.map((c) => c.request.attributes.hbAgent)).toEqual(['a1', 'a2', 'a3']);
    for (let i = 1; i < caller.calls.length; i++) {
      expect((caller.calls[i]?.at ?? 0) - (caller.calls[i - 1]?.at ?? 0)).toBeGreaterThanOrEqual(START_INTERVAL_MS);
    }
    for (const call of caller.calls) {
      expect(call.request).toMatchObject({ instanceId: INSTANCE_ID, instanceArn: INSTANCE_ARN, contactFlowId: FLOW });
      expect(call.request.clientToken).toBe(call.request.attributes.hbId);
      expect(call.request.attributes.hbTenant).toBe(tenant);
      const push = started().find((p) => p.user === call.request.attributes.hbAgent);
      expect(push?.at).toBeLessThanOrEqual(call.at);
    }
    // The cap counts tests in flight: a run a minute later starts only... nothing, all three are still live.
    clock.ms += 60_000;
    const again = await runHeartbeats(deps, tenant, 'run-2');
    expect(again.started).toBe(0);
    expect(caller.calls).toHaveLength(3);
  });

  it('tests an agent Connect reports idle (Available, no contact) as free', async () => {
    await agentIs('idle-agent', 'idle');
    await agentIs('wrapping-up', 'wrap-up', { contacts: 1 });
    expect((await runHeartbeats(deps, tenant, 'r')).started).toBe(1);
    expect(caller.calls.map((c) => c.request.attributes.hbAgent)).toEqual(['idle-agent']);
  });

  it('skips a disabled tenant, hours outside the window and a tenant without a bound instance', async () => {
    await agentIs('a1', 'available');
    await configs.put(tenant, { ...CONFIG, enabled: false, updatedAt: '', updatedBy: 'ada' });
    expect((await runHeartbeats(deps, tenant, 'r')).skipped).toBe('disabled');
    await configs.put(tenant, { ...CONFIG, updatedAt: '', updatedBy: 'ada' });
    clock.ms = Date.parse('2026-11-27T19:00:00.000Z');
    expect((await runHeartbeats(deps, tenant, 'r')).skipped).toBe('outside-window');
    clock.ms = T0;
    // Bound, but no longer one of the instances the deployment serves: no call.
    const unserved = {
      ...deps,
      instances: new BoundConnectInstance(new DynamoConnectBindingStore(db.client, db.table), []),
    };
    expect((await runHeartbeats(unserved, tenant, 'r')).skipped).toBe('no-instance');
    // Served, but the operator released it from the tenant.
    await new DynamoConnectBindingStore(db.client, db.table).unbind(tenant);
    expect((await runHeartbeats(deps, tenant, 'r')).skipped).toBe('no-instance');
    expect(caller.calls).toHaveLength(0);
  });

  it('one run at a time per tenant', async () => {
    await agentIs('a1', 'available');
    expect(await store.acquireLease(tenant, 'someone-else', clock.now(), 60_000)).toBe(true);
    expect((await runHeartbeats(deps, tenant, 'me')).skipped).toBe('busy');
    clock.ms += 60_001;
    expect((await runHeartbeats(deps, tenant, 'me')).started).toBe(1);
  });

  it('a throttled start is cancelled, stops the run and leaves the agent due for the next one', async () => {
    await agentIs('a1', 'available');
    await agentIs('a2', 'available');
    caller.script = [{ throttled: true }];
    const report = await runHeartbeats(deps, tenant, 'r');
    expect(report).toMatchObject({ started: 0, throttled: true });
    expect(caller.calls).toHaveLength(1);
    expect(finished()[0]?.event).toMatchObject({
      heartbeat: { agent: 'a1', state: 'cancelled', reason: 'connect-throttled' },
    });
    clock.ms += 60_000;
    expect((await runHeartbeats(deps, tenant, 'r')).started).toBe(2);
  });

  it('a start that fails is recorded failed and the agent released', async () => {
    await agentIs('a1', 'available');
    caller.script = [new Error('AccessDenied')];
    expect((await runHeartbeats(deps, tenant, 'r')).failed).toBe(1);
    const [result] = (await listHeartbeats(deps, { tenant, user: 'ada', role: 'admin' }, page('a1'))).items;
    expect(result).toMatchObject({ state: 'failed', reason: 'start-failed' });
    expect(finished()).toHaveLength(1);
  });

  it('times out a test without outcome, releases the agent and tests it again after the cadence', async () => {
    await agentIs('a1', 'available');
    await runHeartbeats(deps, tenant, 'r');
    clock.ms += HEARTBEAT_TIMEOUT_MS + 1;
    const report = await runHeartbeats(deps, tenant, 'r');
    expect(report.timedOut).toBe(1);
    expect(finished().map((p) => p.event)).toEqual([
      expect.objectContaining({ heartbeat: expect.objectContaining({ agent: 'a1', state: 'timed-out' }) }),
    ]);
    // A late outcome changes nothing.
    const id = caller.calls[0]?.request.attributes.hbId ?? '';
    const late = await handleContactFlowEvent(
      flowDeps,
      flowEvent({ hbTenant: tenant, hbAgent: 'a1', hbId: id }, { step: 'outcome', result: 'answered' }),
    );
    expect(late).toEqual({ ok: 'true', heartbeatId: id, state: 'timed-out' });
    expect(finished()).toHaveLength(1);
    // Not retested within the cadence, retested after it.
    expect((await runHeartbeats(deps, tenant, 'r')).started).toBe(0);
    clock.ms = T0 + 60 * 60_000;
    expect((await runHeartbeats(deps, tenant, 'r')).started).toBe(1);
  });
});

describe('disabling heartbeats', () => {
  it('deletes the schedule and ends the tests in flight, releasing their agents', async () => {
    await agentIs('a1', 'available');
    await agentIs('a2', 'available');
    expect((await runHeartbeats(deps, tenant, 'r')).started).toBe(2);
    const removed: string[] = [];
    const configDeps = {
      ...deps,
      schedules: {
        upsert: async () => undefined,
        remove: async (name: string) => {
          removed.push(name);
        },
      },
    };
    await saveHeartbeatConfig(configDeps, { tenant, user: 'ada', role: 'admin' }, { ...CONFIG, enabled: false });
    expect(removed).toEqual([`heartbeat-${tenant}`]);
    expect(finished().map((p) => [p.user, (p.event.heartbeat as { state: string }).state])).toEqual([
      ['a1', 'cancelled'],
      ['a2', 'cancelled'],
    ]);
    expect(await store.live(tenant)).toEqual([]);
    // Re-enabled later, the agents are free again once the cadence allows.
    await configs.put(tenant, { ...CONFIG, updatedAt: '', updatedBy: 'ada' });
    clock.ms += 60 * 60_000;
    expect((await runHeartbeats(deps, tenant, 'r')).started).toBe(2);
  });
});

const page = (agent: string) => ({
  agent,
  from: '2026-11-01T00:00:00.000Z',
  to: '2026-11-30T00:00:00.000Z',
  limit: 50,
});

describe('contact flow callbacks', () => {
  async function oneHeartbeat() {
    await agentIs('alice', 'available');
    await runHeartbeats(deps, tenant, 'r');
    const attrs = caller.calls[0]?.request.attributes;
    if (!attrs) throw new Error('no call');
    return attrs as { hbTenant: string; hbAgent: string; hbId: string };
  }

  it('routes to the agent, records the outcome once and tells the agent once, across retries', async () => {
    const attrs = await oneHeartbeat();
    const route = await handleContactFlowEvent(flowDeps, flowEvent(attrs, { step: 'route' }));
    expect(route).toEqual({
      ok: 'true',
      action: 'transfer',
      heartbeatId: attrs.hbId,
      agent: 'alice',
      agentUserId: 'user-uuid-1',
    });
    // Connect retries a step it did not hear back from: same answer.
    expect(await handleContactFlowEvent(flowDeps, flowEvent(attrs, { step: 'route' }))).toEqual(route);

    clock.ms += 20_000;
    const params = {
      step: 'outcome',
      result: 'answered',
      mos: '4.3',
      axScore: '4.1',
      cxScore: '4.2',
      networkScore: '4.3',
      setupMs: '900',
      answerMs: '2100',
    };
    const outcome = await handleContactFlowEvent(flowDeps, flowEvent(attrs, params));
    expect(outcome).toEqual({ ok: 'true', heartbeatId: attrs.hbId, state: 'passed' });
    expect(await handleContactFlowEvent(flowDeps, flowEvent(attrs, params))).toEqual(outcome);
    expect(await Promise.all([1, 2, 3].map(() => handleContactFlowEvent(flowDeps, flowEvent(attrs, params))))).toEqual([
      outcome,
      outcome,
      outcome,
    ]);
    expect(finished()).toHaveLength(1);
    expect(finished()[0]?.event).toMatchObject({
      heartbeat: { id: attrs.hbId, state: 'passed', outcome: { mos: 4.3, axScore: 4.1, answerMs: 2100 } },
    });

    const { items } = await listHeartbeats(deps, { tenant, user: 'sam', role: 'supervisor' }, page('alice'));
    expect(items).toEqual([
      expect.objectContaining({
        id: attrs.hbId,
        state: 'passed',
        contactId: 'contact-1',
        routedAt: expect.any(String),
      }),
    ]);
    // The agent is free for the next test after the cadence.
    clock.ms = T0 + 60 * 60_000;
    expect((await runHeartbeats(deps, tenant, 'r')).started).toBe(1);
  });

  it('a poor MOS is degraded; no answer is failed', async () => {
    const attrs = await oneHeartbeat();
    expect(
      await handleContactFlowEvent(flowDeps, flowEvent(attrs, { step: 'outcome', result: 'answered', mos: '2.9' })),
    ).toMatchObject({ state: 'degraded' });
    clock.ms = T0 + 60 * 60_000;
    await runHeartbeats(deps, tenant, 'r');
    const second = caller.calls[1]?.request.attributes as typeof attrs;
    expect(
      await handleContactFlowEvent(flowDeps, flowEvent(second, { step: 'outcome', result: 'no-answer' })),
    ).toMatchObject({ state: 'failed' });
  });

  it('refuses another instance, unknown heartbeats and finished ones with a valid reply', async () => {
    const attrs = await oneHeartbeat();
    expect(await handleContactFlowEvent(flowDeps, flowEvent(attrs, { step: 'route' }, OTHER_ARN))).toEqual({
      ok: 'false',
      error: 'WRONG_INSTANCE',
    });
    expect(
      await handleContactFlowEvent(flowDeps, flowEvent({ ...attrs, hbTenant: 'someone-else' }, { step: 'route' })),
    ).toEqual({ ok: 'false', error: 'WRONG_INSTANCE' });
    expect(
      await handleContactFlowEvent(
        flowDeps,
        flowEvent({ ...attrs, hbId: '20261127T100000000-nope' }, { step: 'route' }),
      ),
    ).toEqual({ ok: 'false', error: 'UNKNOWN_HEARTBEAT' });
    expect(await handleContactFlowEvent(flowDeps, flowEvent({ ...attrs, hbAgent: 'bob' }, { step: 'route' }))).toEqual({
      ok: 'false',
      error: 'UNKNOWN_HEARTBEAT',
    });
    await handleContactFlowEvent(flowDeps, flowEvent(attrs, { step: 'outcome', result: 'no-answer' }));
    expect(await handleContactFlowEvent(flowDeps, flowEvent(attrs, { step: 'route' }))).toEqual({
      ok: 'false',
      error: 'HEARTBEAT_FINISHED',
    });
  });

  it('records an unreadable outcome as failed rather than leaving the agent blocked', async () => {
    const attrs = await oneHeartbeat();
    expect(
      await handleContactFlowEvent(flowDeps, flowEvent(attrs, { step: 'outcome', result: 'answered', mos: 'loud' })),
    ).toEqual({ ok: 'true', heartbeatId: attrs.hbId, state: 'failed' });
    const [item] = (await listHeartbeats(deps, { tenant, user: 'ada', role: 'admin' }, page('alice'))).items;
    expect(item).toMatchObject({ state: 'failed', reason: 'invalid-outcome' });
  });

  it('answers every malformed event with a valid flat map, never throws', async () => {
    const attrs = { hbTenant: 'acme', hbAgent: 'alice', hbId: '20261127T100000000-abc' };
    const bad: unknown[] = [
      undefined,
      null,
      42,
      'ContactFlowEvent',
      [],
      {},
      { Name: 'Other' },
      { Name: 'ContactFlowEvent' },
      { Name: 'ContactFlowEvent', Details: {} },
      { Name: 'ContactFlowEvent', Details: { ContactData: {} } },
      flowEvent({}, { step: 'route' }),
      flowEvent({ ...attrs, hbTenant: 'ACME#x' }, { step: 'route' }),
      flowEvent({ ...attrs, hbId: '../../etc' }, { step: 'route' }),
      flowEvent(attrs, {}),
      flowEvent(attrs, { step: 'teleport' }),
      { ...flowEvent(attrs, { step: 'route' }), Details: { ...flowEvent(attrs, {}).Details, Parameters: { step: 7 } } },
    ];
    for (const event of bad) {
      const reply = await handleContactFlowEvent(flowDeps, event);
      expect(reply.ok).toBe('false');
      for (const [k, v] of Object.entries(reply)) {
        expect(k).toMatch(/^[A-Za-z][A-Za-z0-9_]*$/);
        expect(v).toMatch(/^[A-Za-z0-9_-]+$/);
      }
    }
    // A store that fails is an internal error — still a valid reply.
    const failing: typeof store = Object.assign(Object.create(store) as typeof store, {
      get: async () => Promise.reject(new Error('boom')),
    });
    const broken: ContactFlowDeps = { ...flowDeps, store: failing };
    const tenantAttrs = await oneHeartbeat();
    expect(await handleContactFlowEvent(broken, flowEvent(tenantAttrs, { step: 'route' }))).toEqual({
      ok: 'false',
      error: 'INTERNAL',
    });
  });
});

describe('results', () => {
  it('pages one agent’s results newest first within the period; agents read only their own', async () => {
    await agentIs('alice', 'available');
    for (let i = 0; i < 3; i++) {
      await runHeartbeats(deps, tenant, 'r');
      const attrs = caller.calls.at(-1)?.request.attributes as Record<string, string>;
      await handleContactFlowEvent(flowDeps, flowEvent(attrs, { step: 'outcome', result: 'answered', mos: '4' }));
      clock.ms += 61 * 60_000;
    }
    const admin = { tenant, user: 'ada', role: 'admin' } as const;
    const first = await listHeartbeats(deps, admin, { ...page('alice'), limit: 2 });
    expect(first.items).toHaveLength(2);
    expect(first.cursor).not.toBeNull();
    const second = await listHeartbeats(deps, admin, { ...page('alice'), limit: 2, cursor: first.cursor ?? undefined });
    expect(second.items).toHaveLength(1);
    const all = [...first.items, ...second.items].map((h) => h.startedAt);
    expect(all).toEqual([...all].sort().reverse());
    // The period bounds the start time.
    const narrow = await listHeartbeats(deps, admin, { ...page('alice'), from: new Date(T0 + 1).toISOString() });
    expect(narrow.items).toHaveLength(2);
    // Agents: own only; another tenant sees nothing.
    await expect(listHeartbeats(deps, { tenant, user: 'bob', role: 'agent' }, page('alice'))).rejects.toMatchObject({
      statusCode: 403,
    });
    expect((await listHeartbeats(deps, { tenant, user: 'alice', role: 'agent' }, page('alice'))).items).toHaveLength(3);
    expect((await listHeartbeats(deps, { tenant: 'other', user: 'ada', role: 'admin' }, page('alice'))).items).toEqual(
      [],
    );
    // A cursor of another agent's partition is refused.
    await expect(
      listHeartbeats(deps, admin, { ...page('bob'), cursor: first.cursor ?? undefined }),
    ).rejects.toMatchObject({ statusCode: 400 });
  });
});
