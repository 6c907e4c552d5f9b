import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { subscribeStatus } from '../../functions/domain/monitoring.ts';
import type { Principal } from '../../functions/domain/principal.ts';
import { statusView } from '../../functions/domain/status.ts';
import { listAgents } from '../../functions/domain/status-list.ts';
import { setOwnStatus } from '../../functions/domain/status-service.ts';
import { codeOf, type Harness, startStatusDynamo, statusHarness } from '../support/status-dynalite.ts';

/** The supervisor's list (`GET /status/agents`) on dynalite: filters, paging, and the directory behind it. */
let db: Awaited<ReturnType<typeof startStatusDynamo>>;
let h: Harness;
let n = 0;
let tenant: string;
let agent: Principal;
let sup1: Principal;

beforeAll(async () => {
  db = await startStatusDynamo();
});
afterAll(async () => {
  await db.close();
});
beforeEach(() => {
  // A fresh tenant per test: the tests share one dynalite.
  tenant = `l${++n}`;
  h = statusHarness(db.client, db.table);
  agent = { tenant, user: 'a1', role: 'agent' };
  sup1 = { tenant, user: 's1', role: 'supervisor' };
});

describe('supervisor list', () => {
  it('filters by several statuses (merged Queries) with a cursor, and by team through the directory', async () => {
    const agents = ['a1', 'a2', 'a3', 'a4', 'a5'];
    const statuses = ['available', 'busy', 'away', 'available', 'busy'];
    for (const [i, id] of agents.entries()) {
      await h.directory.put({ tenant, agentId: id, displayName: id, queues: [], campaigns: [], lists: [] });
      await setOwnStatus(h.deps, { tenant, user: id, role: 'agent' }, statuses[i]!);
    }
    const deps = { ...h.deps, directory: h.directory };
    const first = await listAgents(deps, sup1, { statuses: ['available', 'busy'], limit: 2 });
    expect(first.items.map((r) => r.agent)).toEqual(['a1', 'a2']);
    const second = await listAgents(deps, sup1, { statuses: ['available', 'busy'], limit: 2, cursor: first.cursor! });
    expect(second.items.map((r) => r.agent)).toEqual(['a4', 'a5']);
    expect(second.cursor).toBeUndefined();
    const all = await listAgents(deps, sup1, { limit: 3 });
    expect(all.items.map((r) => r.agent)).toEqual(['a1', 'a2', 'a3']);
    expect((await listAgents(deps, sup1, { limit: 3, cursor: all.cursor! })).items.map((r) => r.agent)).toEqual([
      'a4',
      'a5',
    ]);

    for (const id of ['a2', 'a3', 'a9'])
      await h.directory.syncFromConnect(tenant, id, { team: 'Blue', queues: [], connectUserId: `u-${id}` });
    const blue = await listAgents(deps, sup1, { team: 'Blue', statuses: ['away', 'offline'], limit: 10 });
    expect(blue.items.map((r) => [r.agent, r.status])).toEqual([
      ['a3', 'away'],
      ['a9', 'offline'],
    ]);
  });
});

describe('supervisor list and the directory', () => {
  const listDeps = () => ({ ...h.deps, directory: h.directory });
  const profile = (agentId: string, team: string, queues: string[]) => ({
    tenant,
    agentId,
    displayName: agentId,
    team,
    queues,
    campaigns: [],
    lists: [],
  });

  it('carries team and queues from the directory in views and in status events', async () => {
    await h.directory.put(profile('a1', 'blue', ['sales', 'support']));
    await h.connect(agent, 'conn-a1');
    await h.connect(sup1, 'conn-s1');
    await subscribeStatus({ subscriptions: h.subscriptions, clock: h.clock }, sup1, 'conn-s1', h.tokenExp());
    const { record } = (await setOwnStatus(h.deps, agent, 'available')) as { record: { team?: string } };
    expect(statusView(record as never)).toMatchObject({ team: 'blue', queues: ['sales', 'support'] });
    const event = expect.objectContaining({ type: 'status', agent: 'a1', team: 'blue', queues: ['sales', 'support'] });
    expect(h.gateway.received('conn-a1')).toEqual([event]);
    expect(h.gateway.received('conn-s1')).toEqual([{ type: 'feed', events: [event] }]);
    // An admin moves the agent: the list shows it at once, the next change's event too.
    await h.directory.put(profile('a1', 'green', []));
    const page = await listAgents(listDeps(), sup1, { limit: 10 });
    expect(page.items.map((r) => statusView(r))).toEqual([
      expect.objectContaining({ agent: 'a1', team: 'green', queues: [] }),
    ]);
    await setOwnStatus(h.deps, agent, 'busy');
    expect(h.gateway.received('conn-s1').at(-1)?.events).toMatchObject([{ status: 'busy', team: 'green', queues: [] }]);
  });

  it('lists agents who never set a status as Offline since they joined the directory, with a stable since', async () => {
    h.directory.addedAt = '2026-11-02T07:30:00.000Z';
    await h.directory.put(profile('a1', 'blue', []));
    await h.directory.put(profile('n1', 'blue', ['sales']));
    await h.directory.put(profile('n2', 'red', []));
    await setOwnStatus(h.deps, agent, 'available');
    const all = await listAgents(listDeps(), sup1, { limit: 10 });
    expect(all.items.map((r) => [r.agent, r.status, r.since])).toEqual([
      ['a1', 'available', expect.any(String)],
      ['n1', 'offline', '2026-11-02T07:30:00.000Z'],
      ['n2', 'offline', '2026-11-02T07:30:00.000Z'],
    ]);
    h.clock.advance(60_000);
    const offline = await listAgents(listDeps(), sup1, { statuses: ['offline'], limit: 10 });
    expect(offline.items.map((r) => [r.agent, r.since])).toEqual([
      ['n1', '2026-11-02T07:30:00.000Z'],
      ['n2', '2026-11-02T07:30:00.000Z'],
    ]);
    const blue = await listAgents(listDeps(), sup1, { team: 'blue', statuses: ['offline'], limit: 10 });
    expect(blue.items.map((r) => [r.agent, r.since, r.queues])).toEqual([
      ['n1', '2026-11-02T07:30:00.000Z', ['sales']],
    ]);
    // Paging through the roster.
    const first = await listAgents(listDeps(), sup1, { limit: 2 });
    const second = await listAgents(listDeps(), sup1, { limit: 2, cursor: first.cursor! });
    expect([...first.items, ...second.items].map((r) => r.agent)).toEqual(['a1', 'n1', 'n2']);
  });

  it('refuses statuses that do not exist in the tenant (400), accepts its reasons', async () => {
    for (const code of ['lunch', 'reason:nope'] as const) {
      expect(await codeOf(listAgents(listDeps(), sup1, { statuses: [code as never], limit: 10 }))).toMatchObject({
        status: 400,
        code: 'UNKNOWN_STATUS',
      });
    }
    await h.reasons.change(tenant, (reasons) => [
      ...reasons,
      { id: 'lunch', name: 'Lunch', needsApproval: false, retired: false },
    ]);
    expect((await listAgents(listDeps(), sup1, { statuses: ['reason:lunch', 'in-call'], limit: 10 })).items).toEqual(
      [],
    );
  });
});
