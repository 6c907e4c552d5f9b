import { BatchWriteCommand, type DynamoDBDocumentClient, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoDirectoryRepository, membershipItem } from '../../functions/adapters/directory-repository.ts';
import { batchWriteAll } from '../../functions/adapters/dynamo.ts';
import type { AgentProfile } from '../../functions/domain/directory.ts';
import { resolveRecipients } from '../../functions/domain/message-recipients.ts';
import { startTestDynamo, type TestDynamo } from '../support/dynalite.ts';

let db: TestDynamo;

beforeAll(async () => {
  db = await startTestDynamo();
});
afterAll(async () => {
  await db?.close();
});

/** Wraps the client to count Queries (to prove pagination happened) and to drop some batch writes once. */
function instrumented(real: DynamoDBDocumentClient, table: string, options: { unprocessOnce?: number } = {}) {
  const stats = { queries: 0, batchWrites: 0, unprocessedReturned: 0 };
  let tripped = false;
  const client = {
    send: async (command: unknown) => {
      if (command instanceof QueryCommand) stats.queries++;
      if (command instanceof BatchWriteCommand) {
        stats.batchWrites++;
        const requests = command.input.RequestItems?.[table] ?? [];
        if (options.unprocessOnce && !tripped && requests.length > options.unprocessOnce) {
          // DynamoDB under throttling: only part of the batch is written, the rest comes back unprocessed.
          tripped = true;
          const done = requests.slice(0, requests.length - options.unprocessOnce);
          const left = requests.slice(requests.length - options.unprocessOnce);
          await real.send(new BatchWriteCommand({ RequestItems: { [table]: done } }));
          stats.unprocessedReturned += left.length;
          return { UnprocessedItems: { [table]: left } };
        }
      }
      return real.send(command as never);
    },
  } as unknown as DynamoDBDocumentClient;
  return { client, stats };
}

const profile = (tenant: string, agentId: string, extra: Partial<AgentProfile> = {}): AgentProfile => ({
  tenant,
  agentId,
  displayName: `Agent ${agentId}`,
  queues: [],
  campaigns: [],
  lists: [],
  ...extra,
});

describe('DynamoDirectoryRepository on dynalite', () => {
  it('stamps addedAt when an agent is first added and keeps it through replaces, imports and Connect updates', async () => {
    let now = Date.parse('2026-11-03T09:00:00.000Z');
    const repo = new DynamoDirectoryRepository(db.client, db.table, { now: () => now });
    await repo.put(profile('stamp', 'ann', { team: 'red' }));
    now += 3_600_000;
    await repo.put(profile('stamp', 'ann', { team: 'blue' }));
    await repo.putMany([profile('stamp', 'ann'), profile('stamp', 'bob')]);
    await repo.syncFromConnect('stamp', 'ann', { queues: ['sales'], connectUserId: 'u-1' });
    expect((await repo.get('stamp', 'ann'))?.addedAt).toBe('2026-11-03T09:00:00.000Z');
    expect((await repo.get('stamp', 'bob'))?.addedAt).toBe('2026-11-03T10:00:00.000Z');
  });

  it('keeps memberships in step with profile edits and deletes', async () => {
    const repo = new DynamoDirectoryRepository(db.client, db.table);
    await repo.put(profile('acme', 'ann', { team: 'red', queues: ['sales', 'support'], lists: ['vip'] }));
    expect((await repo.listMembers('acme', 'queue', 'sales')).agentIds).toEqual(['ann']);

    await repo.put(profile('acme', 'ann', { displayName: 'Ann B', team: 'blue', queues: ['support'], lists: [] }));
    expect((await repo.listMembers('acme', 'team', 'red')).agentIds).toEqual([]);
    expect((await repo.listMembers('acme', 'queue', 'sales')).agentIds).toEqual([]);
    expect((await repo.listMembers('acme', 'list', 'vip')).agentIds).toEqual([]);
    expect((await repo.listGroup('acme', 'team', 'blue')).items).toEqual([{ agentId: 'ann', displayName: 'Ann B' }]);
    expect((await repo.listGroup('acme', 'queue', 'support')).items[0]?.displayName).toBe('Ann B');

    await repo.syncFromConnect('acme', 'ann', { team: 'green', queues: ['billing'], connectUserId: 'u-1' });
    const synced = await repo.get('acme', 'ann');
    expect(synced).toMatchObject({ team: 'green', queues: ['billing'], connectUserId: 'u-1', displayName: 'Ann B' });
    expect((await repo.listMembers('acme', 'team', 'green')).agentIds).toEqual(['ann']);
    expect((await repo.listMembers('acme', 'team', 'blue')).agentIds).toEqual([]);

    await repo.delete('acme', 'ann');
    expect(await repo.get('acme', 'ann')).toBeUndefined();
    expect((await repo.listMembers('acme', 'team', 'green')).agentIds).toEqual([]);
  });

  it('isolates tenants: same agent ids and group names, separate keys', async () => {
    const repo = new DynamoDirectoryRepository(db.client, db.table);
    await repo.putMany([profile('t-one', 'sam', { team: 'ops' }), profile('t-two', 'sam', { team: 'ops' })]);
    await repo.delete('t-two', 'sam');
    expect((await repo.listMembers('t-one', 'team', 'ops')).agentIds).toEqual(['sam']);
    expect(await repo.getMany('t-two', ['sam'])).toEqual([]);
    expect((await repo.getMany('t-one', ['sam', 'nobody'])).map((p) => p.agentId)).toEqual(['sam']);
  });

  it('retries UnprocessedItems of a bulk import until every item is written', async () => {
    const { client, stats } = instrumented(db.client, db.table, { unprocessOnce: 9 });
    const repo = new DynamoDirectoryRepository(client, db.table);
    const agents = Array.from({ length: 40 }, (_, i) =>
      profile('bulk', `agent-${String(i).padStart(3, '0')}`, { team: 'night', queues: ['q1'] }),
    );
    await repo.putMany(agents);
    expect(stats.unprocessedReturned).toBe(9);
    // 80 memberships (4 batches) + 40 profiles (2 batches) + 1 retry of the 9 left over.
    expect(stats.batchWrites).toBe(7);
    const team = await repo.listGroup('bulk', 'team', 'night', { limit: 1000 });
    const queue = await repo.listGroup('bulk', 'queue', 'q1', { limit: 1000 });
    const listed = await repo.listAgents('bulk', { limit: 1000 });
    expect(team.items).toHaveLength(40);
    expect(queue.items).toHaveLength(40);
    expect(listed.items).toHaveLength(40);
  });

  it('pages a group beyond Limit and beyond 1 MB per Query, and resolution gets every member once', async () => {
    // Prepare: 1,200 agents in one team; each membership item padded to ~1.2 KB so 1,000 of them exceed 1 MB.
    const tenant = 'huge';
    const repo = new DynamoDirectoryRepository(db.client, db.table);
    const ids = Array.from({ length: 1200 }, (_, i) => `agent-${String(i).padStart(4, '0')}`);
    await repo.putMany(ids.map((id) => profile(tenant, id, { team: 'floor' })));
    const padding = 'x'.repeat(1200);
    await batchWriteAll(
      db.client,
      db.table,
      ids.map((id) => ({
        PutRequest: {
          Item: { ...membershipItem(tenant, 'team', 'floor', { agentId: id, displayName: `Agent ${id}` }), padding },
        },
      })),
    );
    const { client, stats } = instrumented(db.client, db.table);
    const counted = new DynamoDirectoryRepository(client, db.table);

    // Act: one page of 1,000 needs at least two Queries because the first stops at 1 MB.
    const first = await counted.listGroup(tenant, 'team', 'floor', { limit: 1000 });
    const queriesForFirst = stats.queries;
    const second = await counted.listGroup(tenant, 'team', 'floor', { limit: 1000, cursor: first.cursor });

    // Assess
    expect(first.items).toHaveLength(1000);
    expect(queriesForFirst).toBeGreaterThanOrEqual(2);
    expect(first.cursor).toBeDefined();
    expect(second.items).toHaveLength(200);
    expect(second.cursor).toBeUndefined();
    const all = [...first.items, ...second.items].map((m) => m.agentId);
    expect(new Set(all).size).toBe(1200);
    expect(all).toEqual(ids);

    // Small pages: Limit is honoured and cursors chain without gaps or repeats.
    const seen: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const page = await counted.listMembers(tenant, 'team', 'floor', { limit: 7, cursor });
      expect(page.agentIds.length).toBeLessThanOrEqual(7);
      seen.push(...page.agentIds);
      cursor = page.cursor;
      pages++;
    } while (cursor && pages < 500);
    expect(seen).toEqual(ids);

    const resolved = await resolveRecipients({ directory: counted }, tenant, {
      agentIds: ['agent-0001', 'agent-0002', 'ghost'],
      teams: ['floor'],
      queues: [],
      campaigns: [],
      lists: [],
    });
    expect(resolved.recipients).toHaveLength(1200);
    expect(resolved.unknownIds).toEqual(['ghost']);
  });

  it('refuses a cursor forged for another partition', async () => {
    const repo = new DynamoDirectoryRepository(db.client, db.table);
    const forged = Buffer.from(JSON.stringify({ pk: 'T#other#AGENTS', sk: 'A#x' })).toString('base64url');
    await expect(repo.listAgents('acme', { cursor: forged })).rejects.toMatchObject({ statusCode: 400 });
  });
});
