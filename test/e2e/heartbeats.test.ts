import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LOCAL_CONNECT_INSTANCE_ARN } from '../../lib/local/runtime.ts';
import { callApi, closeSockets } from '../support/e2e.ts';
import { type RuntimeProcess, startRuntimeProcess } from '../support/runtime.ts';
import { type Frame, TestClient } from '../support/ws-client.ts';

/**
 * A heartbeat through `npm start`: saving the config creates the tenant's schedule, the Scheduler emulator fires it,
 * the run calls StartOutboundVoiceContact on the Connect emulator, whose call simulator invokes the contact-flow Lambda
 * and writes the routed agent's Connect agent events into kinesalite; the agent's socket sees started, the Connect
 * statuses, then finished; the result is queryable.
 */
describe('heartbeats end to end', () => {
  let rt: RuntimeProcess;
  const open: TestClient[] = [];
  const tokens: Record<string, string> = {};

  const api = (who: string, method: string, path: string, body?: unknown) =>
    callApi(rt.http, tokens[who], method, path, body);
  const available = async (who: string) => {
    const client = await TestClient.connect(rt.ws, tokens[who]);
    open.push(client);
    expect((await client.request({ action: 'ping' })).type).toBe('pong');
    expect((await client.request({ action: 'setStatus', status: 'available' })).type).toBe('status-set');
    return client;
  };
  const config = {
    enabled: true,
    cadenceMinutes: 15,
    window: { fromHour: 0, toHour: 24 },
    contactFlowId: '1b0e6b2a-3c4d-4e5f-8a9b-0c1d2e3f4a5b',
    maxConcurrent: 2,
  };

  beforeAll(async () => {
    rt = await startRuntimeProcess({ SEED: 'none' });
    for (const [user, role] of [
      ['ada', 'admin'],
      ['alice', 'agent'],
      ['bob', 'agent'],
    ] as const) {
      tokens[user] = await rt.token({ tenant: 'acme', user, role });
    }
    tokens.gus = await rt.token({ tenant: 'globex', user: 'gus', role: 'admin' });
    tokens.olga = await rt.token({ tenant: 'ops', user: 'olga', role: 'agent', groups: ['operator'] });
    expect(
      (await api('ada', 'PUT', '/directory/agents/alice', { displayName: 'Alice Smith', team: 'blue' })).status,
    ).toBe(201);
    expect((await api('ada', 'PUT', '/directory/agents/bob', { displayName: 'Bob Jones', team: 'blue' })).status).toBe(
      201,
    );
  });
  afterAll(async () => {
    await closeSockets(open);
    await rt?.stop();
  });

  it('refuses to enable heartbeats before the tenant has a Connect instance, and refuses non-admins', async () => {
    expect(await api('gus', 'PUT', '/heartbeat/config', config)).toMatchObject({
      status: 409,
      body: { code: 'CONNECT_NOT_BOUND' },
    });
    expect((await api('alice', 'PUT', '/heartbeat/config', config)).status).toBe(403);
    expect((await api('ada', 'PUT', '/heartbeat/config', { ...config, sourcePhoneNumber: '+15550100' })).status).toBe(
      400,
    );
  });

  it('schedule fires → simulated call → contact flow callbacks → started, Connect statuses, finished → results', async () => {
    // An operator binds the deployment's (emulated) instance to the tenant; admins cannot.
    expect(
      (await api('ada', 'PUT', '/operator/tenants/acme/connect-instance', { instanceArn: LOCAL_CONNECT_INSTANCE_ARN }))
        .status,
    ).toBe(403);
    expect(
      (await api('olga', 'PUT', '/operator/tenants/acme/connect-instance', { instanceArn: LOCAL_CONNECT_INSTANCE_ARN }))
        .status,
    ).toBe(200);
    const alice = await available('alice');
    const bob = await available('bob');
    // The first simulated call (alice's: the least recently tested, then by id) is not answered.
    const injected = await fetch(`${rt.connect}/_local/simulate`, {
      method: 'POST',
      body: JSON.stringify({ failure: 'no-answer' }),
    });
    expect(injected.status).toBe(200);

    const saved = await api('ada', 'PUT', '/heartbeat/config', config);
    expect(saved).toMatchObject({ status: 200, body: { config: { enabled: true, scheduleName: 'heartbeat-acme' } } });
    expect((await api('ada', 'GET', '/heartbeat/config')).body.config).toMatchObject({ maxConcurrent: 2 });

    const isType = (type: string) => (f: Frame) => f.type === type;
    const bobStarted = await bob.waitFor(isType('heartbeat.started'), 20_000);
    const bobFinished = await bob.waitFor(isType('heartbeat.finished'), 20_000);
    const aliceFinished = await alice.waitFor(isType('heartbeat.finished'), 20_000);

    const bobHeartbeat = bobFinished.heartbeat as Record<string, unknown>;
    expect(bobHeartbeat).toMatchObject({
      id: (bobStarted.heartbeat as { id: string }).id,
      agent: 'bob',
      state: 'passed',
    });
    expect(bobHeartbeat.outcome).toMatchObject({
      result: 'answered',
      mos: expect.any(Number),
      axScore: expect.any(Number),
    });
    expect(aliceFinished.heartbeat).toMatchObject({
      agent: 'alice',
      state: 'failed',
      outcome: { result: 'no-answer' },
    });

    // After started, bob's own socket saw the call ring and connect: Connect's agent events, through the agent-event
    // consumer and the status feed. (Whether they arrive before `heartbeat.finished` is not ordered: the flow's callback
    // and Connect's agent event stream are two paths, in the cloud as here.)
    await bob.waitFor((f) => f.type === 'status' && f.status === 'in-call', 10_000);
    const order = bob.frames.map((f) => (f.type === 'status' ? `status:${String(f.status)}` : String(f.type)));
    const at = (s: string) => order.indexOf(s);
    expect(at('heartbeat.started')).toBeGreaterThanOrEqual(0);
    expect(at('status:ringing')).toBeGreaterThan(at('heartbeat.started'));
    expect(at('status:in-call')).toBeGreaterThan(at('status:ringing'));
    // Wrap-up, then Connect's Available with no contact ("idle"): free again.
    await bob.waitFor((f) => f.type === 'status' && f.status === 'wrap-up', 10_000);
    await bob.waitFor((f) => f.type === 'status' && f.status === 'idle' && f.source === 'connect', 10_000);

    const from = new Date(Date.now() - 3_600_000).toISOString();
    const to = new Date(Date.now() + 60_000).toISOString();
    const results = await api('ada', 'GET', `/heartbeats?agent=bob&from=${from}&to=${to}`);
    expect(results.status).toBe(200);
    expect(results.body.items).toEqual([
      expect.objectContaining({ agent: 'bob', state: 'passed', contactId: expect.any(String) }),
    ]);
    // Agents read their own results only.
    expect((await api('alice', 'GET', `/heartbeats?agent=bob&from=${from}&to=${to}`)).status).toBe(403);
    expect((await api('alice', 'GET', `/heartbeats?agent=alice&from=${from}&to=${to}`)).body.items).toHaveLength(1);

    // The simulator shows the contact flow's steps as the Lambda answered them.
    const simulated = (await (await fetch(`${rt.connect}/_local/simulate`)).json()) as {
      calls: Array<{
        attributes: Record<string, string>;
        steps: Array<{ step: string; detail?: Record<string, string> }>;
      }>;
    };
    const bobCall = simulated.calls.find((c) => c.attributes.hbAgent === 'bob');
    expect(bobCall?.steps.filter((s) => !s.step.startsWith('agent:'))).toEqual([
      expect.objectContaining({ step: 'route', detail: expect.objectContaining({ ok: 'true', agent: 'bob' }) }),
      expect.objectContaining({ step: 'outcome', detail: expect.objectContaining({ ok: 'true', state: 'passed' }) }),
    ]);

    // Disabling deletes the schedule: no further run.
    const disabled = await api('ada', 'PUT', '/heartbeat/config', { ...config, enabled: false });
    expect(disabled.status).toBe(200);
  }, 90_000);
});
