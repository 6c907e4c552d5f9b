import type { KinesisClient } from '@aws-sdk/client-kinesis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { localKinesisClient } from '../../lib/local/kinesis.ts';
import { agentEvent } from '../support/agent-events.ts';
import { callApi, writeAgentEvents } from '../support/e2e.ts';
import { type RuntimeProcess, startRuntimeProcess } from '../support/runtime.ts';

const ID_A = 'aaaaaaaa-1111-4222-8333-444455556666';
const ID_B = 'bbbbbbbb-1111-4222-8333-444455556666';
const ID_C = 'cccccccc-1111-4222-8333-444455556666';
const arn = (id: string) => `arn:aws:connect:us-east-1:000000000000:instance/${id}`;
const [A, B, C] = [arn(ID_A), arn(ID_B), arn(ID_C)];
/** Served by nobody: the deployment's operator configuration lists A, B and C only. */
const FOREIGN = arn('dddddddd-1111-4222-8333-444455556666');

/**
 * Connect instances belong to the deployment's operator: tenant B's admin and supervisor, trying everything the API
 * offers, can neither take tenant A's instance, nor push statuses into it, nor see its agents.
 */
describe('Connect instance ownership end to end', () => {
  let rt: RuntimeProcess;
  let kinesis: KinesisClient;
  const tokens: Record<string, string> = {};

  const api = (who: string, method: string, path: string, body?: unknown) =>
    callApi(rt.http, tokens[who], method, path, body);
  const events = async (records: Record<string, unknown>[]) => {
    const out = await writeAgentEvents(kinesis, records);
    expect(out.FailedRecordCount ?? 0).toBe(0);
  };
  const login = (instanceArn: string, user: string, at = new Date()) =>
    agentEvent({ instanceArn, user, type: 'LOGIN', at, team: 'blue' });
  const listed = async (who: string) =>
    ((await api(who, 'GET', '/status/agents')).body.items as Array<{ agent: string; status: string }>).map(
      (i) => `${i.agent}:${i.status}`,
    );
  const putUserStatus = async () =>
    (
      (await (await fetch(`${rt.connect}/_local/calls?operation=PutUserStatus`)).json()) as {
        calls: Array<{ input: Record<string, unknown>; status: number }>;
      }
    ).calls.map((c) => `${c.input.InstanceId}/${c.input.UserId}/${c.input.AgentStatusId}`);

  beforeAll(async () => {
    rt = await startRuntimeProcess({ SEED: 'none', CONNECT_INSTANCES: [ID_A, ID_B, ID_C].join(',') });
    kinesis = localKinesisClient(rt.kinesis);
    const sign = (tenant: string, user: string, role: 'agent' | 'supervisor' | 'admin', groups?: string[]) =>
      rt.token({ tenant, user, role, ...(groups ? { groups } : {}) });
    tokens.operator = await sign('ops', 'olga', 'agent', ['operator']);
    tokens.adminA = await sign('acme', 'ada', 'admin');
    tokens.supA = await sign('acme', 'sam', 'supervisor');
    tokens.adminB = await sign('globex', 'mallory', 'admin');
    tokens.supB = await sign('globex', 'eve', 'supervisor');
    // An admin who also put themselves in a group named like the operator's, by any other spelling, is no operator.
    tokens.adminBSpoof = await sign('globex', 'mallory', 'admin', ['admin', 'Operator', 'operators']);
  });
  afterAll(async () => {
    kinesis?.destroy();
    await rt?.stop();
  });

  it("tenant B cannot take A's instance, push statuses into it or see its agents", async () => {
    // The operator binds A's instance to acme; acme's admin maps a status.
    expect(await api('operator', 'PUT', '/operator/tenants/acme/connect-instance', { instanceArn: A })).toMatchObject({
      status: 200,
      body: { tenant: 'acme', instanceArn: A },
    });
    expect((await api('adminA', 'PUT', '/connect/status-map', { statusMap: { away: 'st-away-a' } })).status).toBe(200);
    await events([login(A, 'alice')]);
    await expect.poll(() => listed('supA'), { timeout: 15_000, interval: 250 }).toEqual(['alice:idle']);

    // Step 1: B's admin tries to bind A's instance every way there is.
    expect((await api('adminB', 'PUT', '/connect/instance', { instanceArn: A })).status).toBe(404);
    expect((await api('adminB', 'PUT', '/connect/status-map', { instanceArn: A, statusMap: {} })).status).toBe(400);
    for (const who of ['adminB', 'adminBSpoof', 'supB', 'adminA'])
      for (const tenant of ['globex', 'acme'])
        expect(
          await api(who, 'PUT', `/operator/tenants/${tenant}/connect-instance`, { instanceArn: A }),
          `${who} → ${tenant}`,
        ).toMatchObject({ status: 403, body: { code: 'OPERATOR_ONLY' } });
    expect((await api('adminB', 'DELETE', '/operator/tenants/acme/connect-instance')).status).toBe(403);
    // Not even an operator can hand a bound instance to a second tenant, or bind one the deployment does not serve.
    expect(await api('operator', 'PUT', '/operator/tenants/globex/connect-instance', { instanceArn: A })).toMatchObject(
      { status: 409, body: { code: 'INSTANCE_TAKEN' } },
    );
    expect(
      await api('operator', 'PUT', '/operator/tenants/globex/connect-instance', { instanceArn: FOREIGN }),
    ).toMatchObject({ status: 400, body: { code: 'UNKNOWN_INSTANCE' } });

    // Step 2: B's supervisor cannot see A's agents or push a status for one of them.
    expect(await listed('supB')).toEqual([]);
    expect((await api('supB', 'GET', '/directory/agents/alice')).status).toBe(404);
    expect((await api('supB', 'PUT', '/agents/alice/status', { status: 'away' })).status).toBe(409);

    // Acme's own supervisor reaches acme's instance — and only that one.
    expect((await api('supA', 'PUT', '/agents/alice/status', { status: 'away' })).status).toBe(200);
    await expect
      .poll(putUserStatus, { timeout: 15_000, interval: 250 })
      .toEqual([`${ID_A}/alice-0000-4000-8000-000000000000/st-away-a`]);

    // Globex gets an instance of its own: its statuses go there, never into A.
    expect((await api('operator', 'PUT', '/operator/tenants/globex/connect-instance', { instanceArn: B })).status).toBe(
      200,
    );
    expect((await api('adminB', 'PUT', '/connect/status-map', { statusMap: { away: 'st-away-b' } })).status).toBe(200);
    await events([login(B, 'bob')]);
    await expect.poll(() => listed('supB'), { timeout: 15_000, interval: 250 }).toEqual(['bob:idle']);
    expect((await api('supB', 'PUT', '/agents/bob/status', { status: 'away' })).status).toBe(200);
    await expect
      .poll(putUserStatus, { timeout: 15_000, interval: 250 })
      .toEqual([
        `${ID_A}/alice-0000-4000-8000-000000000000/st-away-a`,
        `${ID_B}/bob-0000-4000-8000-000000000000/st-away-b`,
      ]);
    // Step 3: still, neither sees the other's agents.
    expect(await listed('supA')).toEqual(['alice:away']);
    expect(await listed('supB')).toEqual(['bob:away']);
  });

  it('rebinding releases the old instance; a fresh binding counts from the next batch', async () => {
    // Events of an instance bound to nobody are skipped…
    await events([login(C, 'carol', new Date(Date.now() - 1000))]);
    await new Promise((r) => setTimeout(r, 2500));
    expect(await listed('supA')).toEqual(['alice:away']);

    // …until an operator moves acme from A to C: A is released in the same transaction.
    expect(await api('operator', 'PUT', '/operator/tenants/acme/connect-instance', { instanceArn: C })).toMatchObject({
      status: 200,
      body: { tenant: 'acme', instanceArn: C, released: A },
    });
    await events([login(C, 'carol')]);
    await expect.poll(() => listed('supA'), { timeout: 15_000, interval: 250 }).toEqual(['alice:away', 'carol:idle']);

    // A is free again: globex cannot have two instances, so it moves there and releases B.
    expect(await api('operator', 'PUT', '/operator/tenants/globex/connect-instance', { instanceArn: A })).toMatchObject(
      {
        status: 200,
        body: { released: B },
      },
    );
    // A's events now belong to globex, never to acme any more.
    await events([login(A, 'dave')]);
    await expect.poll(() => listed('supB'), { timeout: 15_000, interval: 250 }).toEqual(['bob:away', 'dave:idle']);
    expect(await listed('supA')).toEqual(['alice:away', 'carol:idle']);

    // Released: B's events apply to nobody; unbinding releases too.
    expect(await api('operator', 'DELETE', '/operator/tenants/globex/connect-instance')).toMatchObject({
      status: 200,
      body: { instanceArn: null, released: A },
    });
    expect(await api('operator', 'PUT', '/operator/tenants/acme/connect-instance', { instanceArn: A })).toMatchObject({
      status: 200,
      body: { released: C },
    });
  });
});
