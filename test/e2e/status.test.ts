import type { KinesisClient } from '@aws-sdk/client-kinesis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { localKinesisClient } from '../../lib/local/kinesis.ts';
import { agentEvent } from '../support/agent-events.ts';
import { callApi, closeSockets, openSocket, writeAgentEvents } from '../support/e2e.ts';
import { type RuntimeProcess, startRuntimeProcess } from '../support/runtime.ts';
import type { Frame, TestClient } from '../support/ws-client.ts';

const INSTANCE_ID = '9d1e8d7a-1111-4222-8333-444455556666';
const INSTANCE = `arn:aws:connect:us-east-1:000000000000:instance/${INSTANCE_ID}`;

/** Agent status through `npm start`: Connect agent events into kinesalite, the supervisor feed, silent monitoring. */
describe('agent status end to end', () => {
  let rt: RuntimeProcess;
  let kinesis: KinesisClient;
  const open: TestClient[] = [];

  const api = (token: string, method: string, path: string, body?: unknown) =>
    callApi(rt.http, token, method, path, body);
  const connect = async (user: string, role: 'agent' | 'supervisor') =>
    openSocket(open, rt.ws, await rt.token({ tenant: 'acme', user, role }));

  beforeAll(async () => {
    rt = await startRuntimeProcess({ SEED: 'none', CONNECT_INSTANCES: INSTANCE_ID });
    kinesis = localKinesisClient(rt.kinesis);
    const admin = await rt.token({ tenant: 'acme', user: 'ada', role: 'admin' });
    // The operator binds the deployment's instance to the tenant.
    const operator = await rt.token({ tenant: 'ops', user: 'olga', role: 'agent', groups: ['operator'] });
    const bound = await api(operator, 'PUT', '/operator/tenants/acme/connect-instance', { instanceArn: INSTANCE });
    expect(bound.status).toBe(200);
    await api(admin, 'PUT', '/directory/agents/alice', { displayName: 'Alice Smith', team: 'blue' });
    // Only agents of the directory can be monitored.
    await api(admin, 'PUT', '/directory/agents/bob', { displayName: 'Bob Jones', team: 'blue' });
  });
  afterAll(async () => {
    await closeSockets(open);
    kinesis?.destroy();
    await rt?.stop();
  });

  const put = async (records: Record<string, unknown>[]) => {
    const out = await writeAgentEvents(kinesis, records);
    expect(out.FailedRecordCount ?? 0).toBe(0);
  };

  it('turns agent events written to the stream into live status changes on the supervisor feed', async () => {
    const sam = await connect('sam', 'supervisor');
    const subscribed = await sam.request({ action: 'subscribeStatus' });
    expect(subscribed.type).toBe('status-subscribed');

    const t0 = Date.now();
    await put([
      agentEvent({
        instanceArn: INSTANCE,
        user: 'alice',
        type: 'LOGIN',
        at: new Date(t0),
        team: 'blue',
        queues: ['sales'],
      }),
      agentEvent({
        instanceArn: INSTANCE,
        user: 'alice',
        type: 'STATE_CHANGE',
        at: new Date(t0 + 1000),
        team: 'blue',
        queues: ['sales'],
        contacts: [{ id: 'c-1', state: 'CONNECTING' }],
      }),
      // A malformed record between good ones never blocks them.
      { not: 'an agent event' },
      agentEvent({
        instanceArn: INSTANCE,
        user: 'alice',
        type: 'STATE_CHANGE',
        at: new Date(t0 + 2000),
        team: 'blue',
        queues: ['sales'],
        contacts: [{ id: 'c-1', state: 'CONNECTED' }],
      }),
    ]);

    const isAlice = (status: string) => (f: Frame) => f.type === 'status' && f.agent === 'alice' && f.status === status;
    await sam.waitForFeedEvent(isAlice('ringing'), 15_000);
    const inCall = await sam.waitForFeedEvent(isAlice('in-call'), 15_000);
    expect(inCall).toMatchObject({ source: 'connect', contacts: 1 });

    // An older event arriving late changes nothing.
    await put([
      agentEvent({ instanceArn: INSTANCE, user: 'alice', type: 'STATE_CHANGE', at: new Date(t0 + 1500), contacts: [] }),
    ]);
    const supervisor = await rt.token({ tenant: 'acme', user: 'sam', role: 'supervisor' });
    await new Promise((r) => setTimeout(r, 1500));
    const list = await api(supervisor, 'GET', '/status/agents?status=in-call');
    expect(list.body.items.map((i: { agent: string }) => i.agent)).toEqual(['alice']);
  });

  it('lets a supervisor silently monitor an agent: the agent sees its own events and nothing about the monitor', async () => {
    const bob = await connect('bob', 'agent');
    const watcher = await connect('wanda', 'supervisor');
    const monitoring = await watcher.request({ action: 'monitor', agent: 'bob' });
    expect(monitoring.type).toBe('monitoring');

    const set = await bob.request({ action: 'setStatus', status: 'busy' });
    expect(set.type).toBe('status-set');
    const mirrored = await watcher.waitFor((f) => f.type === 'monitor' && f.agent === 'bob', 10_000);
    expect((mirrored.event as Frame).type).toBe('status');

    // A coaching message to bob is mirrored too.
    const supervisor = await rt.token({ tenant: 'acme', user: 'sam', role: 'supervisor' });
    const admin = await rt.token({ tenant: 'acme', user: 'ada', role: 'admin' });
    await api(admin, 'PUT', '/directory/agents/bob', { displayName: 'Bob Jones' });
    await api(supervisor, 'POST', '/messages', { text: 'Nice call', to: { agentIds: ['bob'] } });
    await bob.waitFor((f) => f.type === 'message', 10_000);
    await watcher.waitFor((f) => f.type === 'monitor' && (f.event as Frame).type === 'message', 10_000);

    // Every frame bob received is about bob's own state: no monitor frame, no mention of the watcher.
    expect(bob.frames.every((f) => f.type !== 'monitor' && !JSON.stringify(f).includes('wanda'))).toBe(true);
    // Agents cannot monitor or subscribe.
    expect(await bob.request({ action: 'monitor', agent: 'alice' })).toMatchObject({ type: 'error', status: 403 });
    expect(await bob.request({ action: 'subscribeStatus' })).toMatchObject({ type: 'error', status: 403 });
  });

  it('pushes a status set in the backend to Connect (PutUserStatus) within seconds, with the mapped status id', async () => {
    const admin = await rt.token({ tenant: 'acme', user: 'ada', role: 'admin' });
    const mapped = await api(admin, 'PUT', '/connect/status-map', { statusMap: { away: 'agent-status-away' } });
    expect(mapped.status).toBe(200);
    const supervisor = await rt.token({ tenant: 'acme', user: 'sam', role: 'supervisor' });
    // alice logged in through Connect in the first test, so the directory knows her Connect user id.
    const changed = await api(supervisor, 'PUT', '/agents/alice/status', { status: 'away' });
    expect(changed.status).toBe(200);
    const putUserStatus = async () =>
      (
        (await (await fetch(`${rt.connect}/_local/calls?operation=PutUserStatus`)).json()) as {
          calls: Array<{ input: Record<string, unknown>; status: number }>;
        }
      ).calls;
    await expect.poll(putUserStatus, { timeout: 15_000, interval: 250 }).toEqual([
      expect.objectContaining({
        status: 200,
        input: expect.objectContaining({
          InstanceId: INSTANCE_ID,
          UserId: 'alice-0000-4000-8000-000000000000',
          AgentStatusId: 'agent-status-away',
        }),
      }),
    ]);
  });

  it('refuses a supervisor change while the agent is Offline (409)', async () => {
    const supervisor = await rt.token({ tenant: 'acme', user: 'sam', role: 'supervisor' });
    const res = await api(supervisor, 'PUT', '/agents/nobody-online/status', { status: 'available' });
    expect(res.status).toBe(409);
    expect(res.body.code).toBe('AGENT_OFFLINE');
  });
});
