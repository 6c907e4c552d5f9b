import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ConnectionGateway, ConnectionNotifier } from '../../functions/adapters/connection-notifier.ts';
import { DynamoConnectionRepository } from '../../functions/adapters/connection-repository.ts';
import { DynamoDirectoryRepository } from '../../functions/adapters/directory-repository.ts';
import { DynamoInboxRepository } from '../../functions/adapters/inbox-repository.ts';
import { DynamoMessageRepository } from '../../functions/adapters/message-repository.ts';
import type { Clock } from '../../functions/domain/clock.ts';
import { markRead, syncInbox } from '../../functions/domain/inbox.ts';
import type { InboxRepository } from '../../functions/domain/message-ports.ts';
import { messageReport } from '../../functions/domain/message-reports.ts';
import { type DeliverDeps, deliverMessage, sendMessage } from '../../functions/domain/message-send.ts';
import type { Principal } from '../../functions/domain/principal.ts';
import type { SettingsRepository } from '../../functions/domain/settings.ts';
import { DEFAULT_SETTINGS } from '../../functions/domain/settings.ts';
import { startTestDynamo, type TestDynamo } from '../support/dynalite.ts';

/** In-memory API Gateway management API: records posts; the named connections answer 410 Gone. */
class FakeGateway implements ConnectionGateway {
  readonly posts: { connectionId: string; data: Record<string, unknown> }[] = [];
  constructor(private readonly gone: ReadonlySet<string>) {}
  async post(connectionId: string, data: string): Promise<'sent' | 'gone'> {
    if (this.gone.has(connectionId)) return 'gone';
    this.posts.push({ connectionId, data: JSON.parse(data) });
    return 'sent';
  }
  to(connectionId: string, type: string) {
    return this.posts.filter((p) => p.connectionId === connectionId && p.data.type === type);
  }
}

let db: TestDynamo;
let now = Date.parse('2026-06-15T10:00:00Z');
const clock: Clock = { now: () => now };
const settings: SettingsRepository = { get: async () => DEFAULT_SETTINGS, update: async () => DEFAULT_SETTINGS };
const supervisor: Principal = { tenant: 'fan', user: 'sue', role: 'supervisor', name: 'Sue Visor' };
const AGENTS = Array.from({ length: 230 }, (_, i) => `agent-${String(i).padStart(3, '0')}`);

function deps(gateway: ConnectionGateway, overrides: Partial<DeliverDeps> = {}) {
  const connections = new DynamoConnectionRepository(db.client, db.table, clock);
  const base: DeliverDeps = {
    directory: new DynamoDirectoryRepository(db.client, db.table),
    messages: DynamoMessageRepository.onTable(db.client, db.table, clock),
    inbox: new DynamoInboxRepository(db.client, db.table, clock),
    notifier: new ConnectionNotifier(connections, gateway, 8),
    clock,
    shardSize: 50,
  };
  const dispatched: string[] = [];
  return {
    connections,
    dispatched,
    all: {
      ...base,
      ...overrides,
      settings,
      dispatcher: { dispatch: async (_t: string, id: string) => void dispatched.push(id) },
    },
  };
}

beforeAll(async () => {
  db = await startTestDynamo();
  const directory = new DynamoDirectoryRepository(db.client, db.table);
  await directory.putMany(
    AGENTS.map((id, i) => ({
      tenant: 'fan',
      agentId: id,
      displayName: `Agent ${i}`,
      team: 'floor',
      queues: i % 2 === 0 ? ['even'] : [],
      campaigns: [],
      lists: [],
    })),
  );
  // Another tenant with the same team name must never be reached.
  await directory.put({
    tenant: 'other',
    agentId: 'agent-000',
    displayName: 'X',
    team: 'floor',
    queues: [],
    campaigns: [],
    lists: [],
  });
});
afterAll(async () => {
  await db?.close();
});

describe('message fan-out worker on dynalite', () => {
  it('persists every entry before any push, pushes each agent once, and deletes exactly the gone connections', async () => {
    // Prepare: agent-000..009 online; 000 and 001 have two connections each, one of which is gone.
    const gateway = new FakeGateway(new Set(['c-000-b', 'c-001-b', 'c-009-a']));
    const d = deps(gateway);
    for (const id of AGENTS.slice(0, 10)) {
      const suffix = id.slice(-3);
      await d.connections.put({
        tenant: 'fan',
        user: id,
        role: 'agent',
        connectionId: `c-${suffix}-a`,
        connectedAt: '',
        expiresAt: 9_999_999_999,
      });
      if (id === 'agent-000' || id === 'agent-001') {
        await d.connections.put({
          tenant: 'fan',
          user: id,
          role: 'agent',
          connectionId: `c-${suffix}-b`,
          connectedAt: '',
          expiresAt: 9_999_999_999,
        });
      }
    }
    await d.connections.put({
      tenant: 'fan',
      user: 'sue',
      role: 'supervisor',
      connectionId: 'c-sue',
      connectedAt: '',
      expiresAt: 9_999_999_999,
    });
    // Other tenant's agent-000 is online too: it must get nothing.
    await d.connections.put({
      tenant: 'other',
      user: 'agent-000',
      role: 'agent',
      connectionId: 'c-other',
      connectedAt: '',
      expiresAt: 9_999_999_999,
    });

    // Act: a team send is accepted and dispatched; the worker then runs it.
    const accepted = await sendMessage(d.all, supervisor, {
      text: 'Great work today',
      to: { agentIds: ['agent-005'], teams: ['floor'], queues: ['even'], campaigns: [], lists: [] },
    });
    expect(accepted.status).toBe('sending');
    expect(d.dispatched).toEqual([accepted.id]);
    expect(gateway.posts).toHaveLength(0);
    const summary = await deliverMessage(d.all, 'fan', accepted.id);

    // Assess: one entry per agent, every agent, deduplicated across team, queue and explicit id.
    expect(summary).toMatchObject({
      recipients: 230,
      unknownIds: 0,
      reachedLive: 9,
      connections: { delivered: 9, gone: 3, failed: 0 },
    });
    const inbox = new DynamoInboxRepository(db.client, db.table, clock);
    for (const id of ['agent-000', 'agent-123', 'agent-229']) {
      const entries = await inbox.listToday('fan', id, now);
      expect(entries.map((e) => e.messageId)).toEqual([accepted.id]);
    }
    const pushed = gateway.posts.filter((p) => p.data.type === 'message');
    expect(pushed).toHaveLength(9);
    const first = gateway.to('c-000-a', 'message')[0]?.data.message as { id: string; cursor: string; from: unknown };
    const stored = (await inbox.listToday('fan', 'agent-000', now))[0];
    expect(first).toMatchObject({ id: accepted.id, cursor: stored?.cursor, from: { id: 'sue', name: 'Sue Visor' } });
    expect(gateway.to('c-other', 'message')).toHaveLength(0);
    // Gone connections deleted exactly; the live sibling of the same user kept.
    expect((await d.connections.listByUser('fan', 'agent-000')).map((c) => c.connectionId)).toEqual(['c-000-a']);
    expect((await d.connections.listByUser('fan', 'agent-001')).map((c) => c.connectionId)).toEqual(['c-001-a']);
    expect(await d.connections.listByUser('fan', 'agent-009')).toEqual([]);
    // The sender hears the outcome.
    expect(gateway.to('c-sue', 'messageStatus')[0]?.data).toMatchObject({ messageId: accepted.id, status: 'complete' });

    // A second run (Lambda retry after a lost response) changes nothing and pushes nothing.
    const before = gateway.posts.length;
    expect(await deliverMessage(d.all, 'fan', accepted.id)).toEqual(summary);
    expect(gateway.posts.length).toBe(before);

    // Receipts: delivered to those reached live; an offline agent's sync counts as delivery, a read as read.
    now += 1000;
    const sync = await syncInbox(d.all, { tenant: 'fan', user: 'agent-200', role: 'agent' }, undefined);
    expect(sync).toMatchObject({ unread: 1, messages: [{ id: accepted.id, read: false }] });
    const read = await markRead(d.all, { tenant: 'fan', user: 'agent-000', role: 'agent' }, { ids: [accepted.id] });
    expect(read).toMatchObject({ read: [accepted.id], unread: 0 });
    expect(gateway.to('c-sue', 'receipt')[0]?.data).toMatchObject({
      receipts: [{ messageId: accepted.id, agentId: 'agent-000', name: 'Agent 0' }],
    });
    const again = await markRead(d.all, { tenant: 'fan', user: 'agent-000', role: 'agent' }, { all: true });
    expect(again.read).toEqual([]);
    expect(gateway.to('c-sue', 'receipt')).toHaveLength(1);
    const report = await messageReport({ ...d.all, plans: d.all.messages }, supervisor, accepted.id, { limit: 100 });
    expect(report.counts).toEqual({ recipients: 230, delivered: 10, read: 1 });
    expect(report.receipts).toHaveLength(100);
    expect(report.receipts[0]).toMatchObject({ agentId: 'agent-000', readAt: expect.any(String) });
    const page2 = await messageReport({ ...d.all, plans: d.all.messages }, supervisor, accepted.id, {
      limit: 200,
      cursor: report.cursor ?? '',
    });
    expect(page2.receipts).toHaveLength(130);
    expect(page2.receipts.at(-1)?.agentId).toBe('agent-229');
  });

  it('a shard that crashes mid-persist pushes nothing; its retry completes it with one entry per agent and stable cursors', async () => {
    const gateway = new FakeGateway(new Set());
    const real = new DynamoInboxRepository(db.client, db.table, clock);
    let crashed = false;
    const modes: Array<{ mode: string | undefined; agents: string[] }> = [];
    const crashing: InboxRepository = Object.assign(Object.create(real) as InboxRepository, {
      putEntries: async (
        entries: Parameters<InboxRepository['putEntries']>[0],
        mode: Parameters<InboxRepository['putEntries']>[1],
      ) => {
        modes.push({ mode, agents: entries.map((e) => e.agentId) });
        if (!crashed && entries.some((e) => e.agentId === 'agent-120')) {
          crashed = true;
          // Half of the shard (agents 100–149) lands, then the function dies.
          await real.putEntries(entries.slice(0, 20), mode);
          throw new Error('simulated crash');
        }
        return real.putEntries(entries, mode);
      },
    });
    const d = deps(gateway, { inbox: crashing });
    await d.connections.put({
      tenant: 'fan',
      user: 'agent-120',
      role: 'agent',
      connectionId: 'c-120',
      connectedAt: '',
      expiresAt: 9_999_999_999,
    });
    const accepted = await sendMessage(d.all, supervisor, {
      text: 'Second message',
      to: { agentIds: [], teams: ['floor'], queues: [], campaigns: [], lists: [] },
    });
    await expect(deliverMessage(d.all, 'fan', accepted.id)).rejects.toThrow('simulated crash');
    // Shards already in flight when the crash happened finish (in Lambda they are other invocations): shard 0 pushes
    // its online agents (agent-000..009); the crashed shard pushed nothing.
    const mine = (connectionId: string) =>
      gateway.to(connectionId, 'message').filter((p) => (p.data.message as { id: string }).id === accepted.id);
    await expect.poll(() => mine('c-000-a').length, { timeout: 15_000 }).toBe(1);
    expect(mine('c-120')).toHaveLength(0);
    const early = await real.listToday('fan', 'agent-100', now);
    const earlyCursor = early.find((e) => e.messageId === accepted.id)?.cursor;
    expect(earlyCursor).toBeDefined();

    now += 5000;
    const summary = await deliverMessage(d.all, 'fan', accepted.id);
    // The 9 agents still connected from the first test, plus agent-120.
    expect(summary).toMatchObject({ recipients: 230, reachedLive: 10 });
    for (const id of AGENTS) {
      const mine = (await real.listToday('fan', id, now)).filter((e) => e.messageId === accepted.id);
      expect(mine, id).toHaveLength(1);
    }
    expect((await real.listToday('fan', 'agent-100', now)).find((e) => e.messageId === accepted.id)?.cursor).toBe(
      earlyCursor,
    );
    expect(gateway.to('c-120', 'message')).toHaveLength(1);
    // Shards pushed in the first run are not pushed again.
    expect(mine('c-000-a')).toHaveLength(1);
    // First runs of shards write in batches; the retry of the crashed shard (agents 100–149), whose entries may already
    // have been seen through a sync, writes only the 30 missing ones and never overwrites (conditional puts).
    const crashedShard = (m: { agents: string[] }) => m.agents.every((a) => a >= 'agent-100' && a < 'agent-150');
    expect(modes.filter((m) => !crashedShard(m)).every((m) => m.mode === 'new')).toBe(true);
    expect(modes.filter(crashedShard).map((m) => [m.mode, m.agents.length])).toEqual([
      ['new', 50],
      ['keep-existing', 30],
    ]);
  });

  it('entries expire at the next cleardown and disappear from reads after it', async () => {
    const gateway = new FakeGateway(new Set());
    const d = deps(gateway);
    const accepted = await sendMessage(d.all, supervisor, {
      text: 'Inline one',
      to: { agentIds: ['agent-001', 'agent-002'], teams: [], queues: [], campaigns: [], lists: [] },
    });
    expect(accepted.status).toBe('complete');
    const inbox = new DynamoInboxRepository(db.client, db.table, clock);
    const entry = (await inbox.listToday('fan', 'agent-001', now)).find((e) => e.messageId === accepted.id);
    // Default settings: UTC, 03:00 — the next cleardown after 2026-06-15T10:00Z.
    expect(entry?.expiresAt).toBe(Date.parse('2026-06-16T03:00:00Z') / 1000);
    const later = Date.parse('2026-06-16T03:00:01Z');
    expect((await inbox.listToday('fan', 'agent-001', later)).find((e) => e.messageId === accepted.id)).toBeUndefined();
  });
});
