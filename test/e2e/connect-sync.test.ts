import { type KinesisClient, PutRecordsCommand } from '@aws-sdk/client-kinesis';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { localKinesisClient } from '../../lib/local/kinesis.ts';
import { agentEvent } from '../support/agent-events.ts';
import { callApi, closeSockets } from '../support/e2e.ts';
import { type RuntimeProcess, startRuntimeProcess } from '../support/runtime.ts';
import { TestClient } from '../support/ws-client.ts';

const INSTANCE_ID = '5a5a5a5a-1111-4222-8333-444455556666';
const INSTANCE = `arn:aws:connect:us-east-1:000000000000:instance/${INSTANCE_ID}`;
const userId = (user: string) => `${user}-0000-4000-8000-000000000000`;

/**
 * Every registry function that changes statuses, run by `npm start` with exactly the environment its registry access
 * gives it (computed as the CDK stack computes it), queues PutUserStatus for the tenant's bound instance, and the
 * real sync worker delivers it to the Connect emulator: setStatus over the WebSocket, PUT /me/status, a supervisor's
 * PUT /agents/{id}/status, an accepted break request, and the inactivity sweep.
 */
describe('statuses set in the backend reach Connect', () => {
  let rt: RuntimeProcess;
  let kinesis: KinesisClient;
  let lambda: LambdaClient;
  const open: TestClient[] = [];
  let reasonId = '';
  const token = (user: string, role: 'agent' | 'supervisor' | 'admin') => rt.token({ tenant: 'acme', user, role });

  const api = (auth: string, method: string, path: string, body?: unknown) =>
    callApi(rt.http, auth, method, path, body);
  const sent = async () =>
    (
      (await (await fetch(`${rt.connect}/_local/calls?operation=PutUserStatus`)).json()) as {
        calls: Array<{ input: Record<string, unknown>; status: number }>;
      }
    ).calls
      .filter((c) => c.status === 200)
      .map((c) => `${c.input.InstanceId}/${c.input.UserId}/${c.input.AgentStatusId}`);

  beforeAll(async () => {
    rt = await startRuntimeProcess({ SEED: 'none', CONNECT_INSTANCES: INSTANCE_ID });
    kinesis = localKinesisClient(rt.kinesis);
    lambda = new LambdaClient({
      endpoint: rt.lambda,
      region: 'us-east-1',
      credentials: { accessKeyId: 'x', secretAccessKey: 'y' },
    });
    const operator = await rt.token({ tenant: 'ops', user: 'olga', role: 'agent', groups: ['operator'] });
    expect(
      (await api(operator, 'PUT', '/operator/tenants/acme/connect-instance', { instanceArn: INSTANCE })).status,
    ).toBe(200);
    const admin = await token('ada', 'admin');
    expect((await api(admin, 'PATCH', '/settings', { status: { inactivityWindowSeconds: 30 } })).status).toBe(200);
    const reason = await api(admin, 'POST', '/status/reasons', {
      name: 'Training',
      needsApproval: true,
      connectAgentStatusId: 'st-training',
    });
    expect(reason.status).toBe(201);
    const statusMap = { available: 'st-available', busy: 'st-busy', away: 'st-away', offline: 'st-offline' };
    expect((await api(admin, 'PUT', '/connect/status-map', { statusMap })).status).toBe(200);
    // Connect knows the agents (their Connect user ids come from their agent events).
    const users = ['wendy', 'mia', 'sid', 'tara', 'ivan'];
    const out = await kinesis.send(
      new PutRecordsCommand({
        StreamName: 'agent-events',
        Records: users.map((user) => ({
          Data: Buffer.from(JSON.stringify(agentEvent({ instanceArn: INSTANCE, user, type: 'LOGIN', at: new Date() }))),
          PartitionKey: user,
        })),
      }),
    );
    expect(out.FailedRecordCount ?? 0).toBe(0);
    const sup = await token('sam', 'supervisor');
    for (const deadline = Date.now() + 20_000; ; await new Promise((r) => setTimeout(r, 250))) {
      const idle = (await api(sup, 'GET', '/status/agents?status=idle')).body.items as unknown[];
      if (idle.length === users.length) break;
      if (Date.now() > deadline) throw new Error(`Agent events not applied: ${idle.length} of ${users.length}`);
    }
    reasonId = reason.body.id;
  });
  afterAll(async () => {
    await closeSockets(open);
    kinesis?.destroy();
    lambda?.destroy();
    await rt?.stop();
  });

  it('from every function that changes statuses', { timeout: 120_000 }, async () => {
    const started = Date.now();
    // ScheduleStatusInactivity: ivan is seen once, then stays silent past the 30 s window.
    const ivan = await TestClient.connect(rt.ws, await token('ivan', 'agent'));
    open.push(ivan);
    await ivan.request({ action: 'ping' });
    await ivan.close();

    // WsStatusSet
    const wendy = await TestClient.connect(rt.ws, await token('wendy', 'agent'));
    open.push(wendy);
    expect((await wendy.request({ action: 'setStatus', status: 'busy' })).type).toBe('status-set');
    // HttpStatusMeSet
    expect((await api(await token('mia', 'agent'), 'PUT', '/me/status', { status: 'away' })).status).toBe(200);
    // HttpStatusAgentSet
    const sup = await token('sam', 'supervisor');
    expect((await api(sup, 'PUT', '/agents/sid/status', { status: 'busy' })).status).toBe(200);
    // HttpApprovalDecide
    const asked = await api(await token('tara', 'agent'), 'PUT', '/me/status', { status: `reason:${reasonId}` });
    expect(asked.status).toBe(202);
    expect(
      (await api(sup, 'POST', `/status/requests/${asked.body.requestId}/decision`, { decision: 'accept' })).status,
    ).toBe(200);

    await expect
      .poll(sent, { timeout: 15_000, interval: 250 })
      .toEqual(
        expect.arrayContaining([
          `${INSTANCE_ID}/${userId('wendy')}/st-busy`,
          `${INSTANCE_ID}/${userId('mia')}/st-away`,
          `${INSTANCE_ID}/${userId('sid')}/st-busy`,
          `${INSTANCE_ID}/${userId('tara')}/st-training`,
        ]),
      );

    // ScheduleStatusInactivity, invoked as its schedule invokes it (asynchronously: one run sweeps for two minutes)
    // once ivan's deadline (window + margin) has passed.
    await new Promise((r) => setTimeout(r, Math.max(0, started + 47_000 - Date.now())));
    const sweep = await lambda.send(
      new InvokeCommand({
        FunctionName: 'ScheduleStatusInactivity',
        InvocationType: 'Event',
        Payload: new TextEncoder().encode('{}'),
      }),
    );
    expect(sweep.StatusCode).toBe(202);
    await expect
      .poll(sent, { timeout: 15_000, interval: 250 })
      .toEqual(expect.arrayContaining([`${INSTANCE_ID}/${userId('ivan')}/st-offline`]));
    // Into the tenant's instance only; statuses that came from Connect (the LOGINs: idle) were never sent back.
    expect((await sent()).every((c) => c.startsWith(`${INSTANCE_ID}/`) && !c.endsWith('/undefined'))).toBe(true);
    expect(await sent()).toHaveLength(new Set(await sent()).size);
  });
});
