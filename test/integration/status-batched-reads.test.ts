import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoDirectoryRepository } from '../../functions/adapters/directory-repository.ts';
import { DynamoChangeStartReader, DynamoSyncTargetReader } from '../../functions/adapters/status-batched-reads.ts';
import { DynamoStatusStore } from '../../functions/adapters/status-store.ts';
import { applyAgentEvent } from '../../functions/domain/agent-event-processor.ts';
import { agentEventSchema } from '../../functions/domain/agent-events.ts';
import { drainConnectSync, type SyncDeps } from '../../functions/domain/status-connect-sync.ts';
import { setOwnStatus } from '../../functions/domain/status-service.ts';
import { startStatusDynamo, statusHarness } from '../support/status-dynalite.ts';
import { drainRecorded } from '../support/status-fakes.ts';

const INSTANCE = 'arn:aws:connect:eu-west-2:111122223333:instance/11111111-2222-3333-4444-555555555555';

let db: Awaited<ReturnType<typeof startStatusDynamo>>;
beforeAll(async () => {
  db = await startStatusDynamo();
});
afterAll(async () => {
  await db?.close();
});

/** Directory profiles of `tenant`'s agents, known to Connect (a Connect user id `u-<agent>`) when `known` says so. */
async function putAgents(tenant: string, agents: readonly string[], known: (agent: string) => boolean = () => true) {
  const directory = new DynamoDirectoryRepository(db.client, db.table);
  for (const agentId of agents)
    await directory.put({
      tenant,
      agentId,
      displayName: agentId,
      queues: [],
      campaigns: [],
      lists: [],
      ...(known(agentId) ? { connectUserId: `u-${agentId}` } : {}),
    });
}

/** The client, counting the commands sent through it by name. */
function counting(client: DynamoDBDocumentClient) {
  const sent: string[] = [];
  const wrapped = {
    send: (command: { constructor: { name: string } }) => {
      sent.push(command.constructor.name);
      return client.send(command as never);
    },
  } as unknown as DynamoDBDocumentClient;
  return { client: wrapped, sent };
}

describe('reads a status change and the Connect worker need, together', () => {
  it('a change starts from one request holding the record, the profile and the binding the adapters read alone', async () => {
    const tenant = 'tbr1';
    const h = statusHarness(db.client, db.table, { connect: true });
    const directory = new DynamoDirectoryRepository(db.client, db.table);
    await directory.put({
      tenant,
      agentId: 'b1',
      displayName: 'B One',
      team: 'red',
      queues: ['q1'],
      campaigns: [],
      lists: [],
      connectUserId: 'u-b1',
    });
    await h.bindConnect(tenant, INSTANCE, { available: 'st-avail', away: 'st-away' });
    await setOwnStatus(h.deps, { tenant, user: 'b1', role: 'agent' }, 'available');

    const { client, sent } = counting(db.client);
    const start = await new DynamoChangeStartReader(client, db.table).read(tenant, 'b1', {
      profile: true,
      instance: true,
    });
    expect(sent).toEqual(['BatchGetCommand']);
    expect(start.current).toEqual(await new DynamoStatusStore(db.client, db.table, h.clock).get(tenant, 'b1'));
    expect(start.profile).toEqual(await directory.get(tenant, 'b1'));
    expect(start.instanceArn).toBe((await h.bindings.connectConfig(tenant))?.instanceArn);
    expect(start.instanceArn).toBe(INSTANCE);
    // Nothing there yet: an agent never seen, of a tenant without a binding.
    expect(
      await new DynamoChangeStartReader(db.client, db.table).read('tbr-none', 'x', { profile: true, instance: true }),
    ).toEqual({ current: undefined, profile: undefined, instanceArn: undefined });
    // Only the record: a plain GetItem.
    sent.length = 0;
    await new DynamoChangeStartReader(client, db.table).read(tenant, 'b1', { profile: false, instance: false });
    expect(sent).toEqual(['GetCommand']);
  });

  it('with the reader a change reads once before its commit, takes the profile, and an unbinding counts at once', async () => {
    const tenant = 'tbr2';
    const instance = INSTANCE.replace('5555', '7777');
    // Every adapter of the change on the counting client: what the change sends before its commit is what it reads.
    const { client, sent } = counting(db.client);
    const h = statusHarness(client, db.table, { connect: true });
    await new DynamoDirectoryRepository(db.client, db.table).put({
      tenant,
      agentId: 'b2',
      displayName: 'B Two',
      team: 'blue',
      queues: ['q9'],
      campaigns: [],
      lists: [],
      connectUserId: 'u-b2',
    });
    await h.bindConnect(tenant, instance, { available: 'st-avail', away: 'st-away' });
    sent.length = 0;
    const deps = { ...h.deps, changeStart: new DynamoChangeStartReader(client, db.table) };
    const agent = { tenant, user: 'b2', role: 'agent' as const };

    const first = await setOwnStatus(deps, agent, 'available');
    // The record's team and queues come from the profile read with it.
    expect(first).toMatchObject({ kind: 'applied', record: { team: 'blue', queues: ['q9'] } });
    // Before the commit: the reasons (uncached in this harness) and one batch — no GetItem of record, profile, binding.
    expect(sent.slice(0, sent.indexOf('TransactWriteCommand')).sort()).toEqual(['BatchGetCommand', 'GetCommand']);
    const queued = await h.syncQueue.pending(instance, Number.MAX_SAFE_INTEGER, 100);
    expect(queued.filter((q) => q.tenant === tenant).map((q) => q.status)).toEqual(['available']);

    await h.bindings.unbind(tenant);
    await setOwnStatus(deps, agent, 'away');
    const after = await h.syncQueue.pending(instance, Number.MAX_SAFE_INTEGER, 100);
    // The item of the first change is still there; the change after the unbinding queued nothing.
    expect(after.filter((q) => q.tenant === tenant).map((q) => q.status)).toEqual(['available']);
  });

  it("the worker's checks of an item are one request, and it sends only into the instance bound now", async () => {
    const tenant = 'tbr3';
    const instance = INSTANCE.replace('5555', '6666');
    const h = statusHarness(db.client, db.table, { connect: true });
    const directory = new DynamoDirectoryRepository(db.client, db.table);
    await putAgents(tenant, ['c1', 'c2']);
    await h.bindConnect(tenant, instance, { available: 'st-avail' });
    for (const user of ['c1', 'c2']) await setOwnStatus(h.deps, { tenant, user, role: 'agent' }, 'available');
    const { client, sent } = counting(db.client);
    const targets = new DynamoSyncTargetReader(client, db.table);
    expect(await targets.read(tenant, 'c1', instance)).toEqual({
      profile: await directory.get(tenant, 'c1'),
      config: await h.bindings.connectConfig(tenant),
      owner: tenant,
    });
    expect(sent).toEqual(['BatchGetCommand']);

    const calls: string[] = [];
    const fakeConnect = {
      putUserStatus: async (_arn: string, user: string, status: string) => {
        calls.push(`${user}:${status}`);
        return 'ok' as const;
      },
    };
    const syncDeps: SyncDeps = {
      queue: h.syncQueue,
      client: fakeConnect,
      reasons: h.reasons,
      targets,
      clock: h.clock,
      sleep: async (ms) => h.clock.advance(ms),
    };
    const report = await drainConnectSync(syncDeps, { owner: 'w', instanceArn: instance });
    expect(report).toMatchObject({ sent: 2, skipped: 0 });
    expect(calls.sort()).toEqual(['u-c1:st-avail', 'u-c2:st-avail']);

    // Released: an item queued before is never sent into the instance.
    await setOwnStatus(h.deps, { tenant, user: 'c1', role: 'agent' }, 'away');
    await h.bindings.unbind(tenant);
    calls.length = 0;
    const later = await drainConnectSync(syncDeps, { owner: 'w2', instanceArn: instance });
    expect(later).toMatchObject({ sent: 0, skipped: 1 });
    expect(calls).toEqual([]);
  });

  it('a Connect change commits the record it read: no profile, binding or second record read', async () => {
    const tenant = 'tbr4';
    const instance = INSTANCE.replace('5555', '4444');
    const { client, sent } = counting(db.client);
    const h = statusHarness(client, db.table, { connect: true });
    await h.bindConnect(tenant, instance, { available: 'st-avail' });
    const starts: unknown[] = [];
    const reader = new DynamoChangeStartReader(client, db.table);
    const deps = {
      ...h.deps,
      changeStart: {
        read: (...args: Parameters<typeof reader.read>) => {
          starts.push(args);
          return reader.read(...args);
        },
      },
    };
    const event = (id: string, at: string, type: 'ROUTABLE' | 'OFFLINE') =>
      agentEventSchema.parse({
        AgentARN: `${instance}/agent/u-n1`,
        EventId: id,
        EventTimestamp: at,
        EventType: 'STATE_CHANGE',
        InstanceARN: instance,
        CurrentAgentSnapshot: {
          AgentStatus: { Type: type, Name: type === 'ROUTABLE' ? 'Available' : 'Offline' },
          Configuration: { Username: 'n1', RoutingProfile: { Name: 'Sales', InboundQueues: [] } },
          Contacts: [],
        },
      });
    sent.length = 0;

    // An agent never seen (no record yet), then one with a record.
    expect(await applyAgentEvent(deps, event('n-1', '2026-11-20T09:00:00Z', 'ROUTABLE'), new Map())).toBe('applied');
    expect(await applyAgentEvent(deps, event('n-2', '2026-11-20T09:00:05Z', 'OFFLINE'), new Map())).toBe('applied');

    expect(starts).toEqual([]);
    // Per event: the record once (GetItem) before its commit; never the batched read of profile and binding.
    expect(sent.filter((c) => c === 'BatchGetCommand')).toEqual([]);
    expect(sent.filter((c) => c === 'TransactWriteCommand')).toHaveLength(2);
    expect(await new DynamoStatusStore(db.client, db.table, h.clock).get(tenant, 'n1')).toMatchObject({
      status: 'offline',
      source: 'connect',
      version: 2,
    });
    // …and a Connect change is never queued back to Connect.
    expect(await h.syncQueue.pending(instance, Number.MAX_SAFE_INTEGER, 100)).toEqual([]);
  });

  it('the worker checks a whole batch in one request: items nothing can be sent for cost no read of their own', async () => {
    const tenant = 'tbr5';
    const instance = INSTANCE.replace('5555', '3333');
    const h = statusHarness(db.client, db.table, { connect: true });
    const directory = new DynamoDirectoryRepository(db.client, db.table);
    // s1 is known to Connect; s2…s5 are not (no Connect user id), so nothing can be sent for them.
    await putAgents(tenant, ['s1', 's2', 's3', 's4', 's5'], (agent) => agent === 's1');
    await h.bindConnect(tenant, instance, { available: 'st-avail' });
    for (const user of ['s1', 's2', 's3', 's4', 's5'])
      await setOwnStatus(h.deps, { tenant, user, role: 'agent' }, 'available');
    const { client, sent } = counting(db.client);
    const checks = await new DynamoSyncTargetReader(client, db.table).readMany(instance, [
      { tenant, agent: 's1' },
      { tenant, agent: 's2' },
    ]);
    expect(sent).toEqual(['BatchGetCommand']);
    expect(checks).toEqual([
      { profile: await directory.get(tenant, 's1'), config: await h.bindings.connectConfig(tenant), owner: tenant },
      { profile: await directory.get(tenant, 's2'), config: await h.bindings.connectConfig(tenant), owner: tenant },
    ]);

    sent.length = 0;
    const { calls, report } = await drainRecorded(h, instance, {
      targets: new DynamoSyncTargetReader(client, db.table),
    });
    expect(report).toMatchObject({ sent: 1, skipped: 4 });
    expect(calls).toEqual(['u-s1:st-avail']);
    // The batch's checks, then s1's own right before its call: two reads for five items.
    expect(sent.filter((c) => c === 'BatchGetCommand')).toHaveLength(2);
    expect(await h.syncQueue.pending(instance, Number.MAX_SAFE_INTEGER, 100)).toEqual([]);
  });
});
