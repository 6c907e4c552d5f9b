import { BatchWriteCommand, type DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ConnectionGateway, ConnectionNotifier } from '../../functions/adapters/connection-notifier.ts';
import { DynamoConnectionRepository } from '../../functions/adapters/connection-repository.ts';
import { batchWriteAll, queryAll } from '../../functions/adapters/dynamo.ts';
import { registerConnection } from '../../functions/domain/connections.ts';
import { startTestDynamo, type TestDynamo } from '../support/dynalite.ts';

/** An in-memory stand-in for the @connections API: records posts, answers Gone for the ids it is told are gone. */
class FakeGateway implements ConnectionGateway {
  readonly posts: Array<{ connectionId: string; data: string }> = [];
  constructor(
    readonly gone = new Set<string>(),
    readonly broken = new Set<string>(),
  ) {}
  async post(connectionId: string, data: string): Promise<'sent' | 'gone'> {
    if (this.broken.has(connectionId)) throw new Error('throttled');
    if (this.gone.has(connectionId)) return 'gone';
    this.posts.push({ connectionId, data });
    return 'sent';
  }
}

describe('connection registry and notifier on dynalite', () => {
  let db: TestDynamo;
  let now = Date.parse('2026-11-21T10:00:00Z');
  const clock = { now: () => now };
  let repo: DynamoConnectionRepository;

  beforeAll(async () => {
    db = await startTestDynamo();
    repo = new DynamoConnectionRepository(db.client, db.table, clock);
  });
  afterAll(async () => db?.close());

  const agent = (user: string) => ({ tenant: 'acme', user, role: 'agent' as const });
  /** A token that outlives the connection (API Gateway closes it after 2 hours anyway). */
  const exp = () => Math.floor(now / 1000) + 3 * 3600;

  it('keeps several connections per user, keyed by tenant and user', async () => {
    await registerConnection({ connections: repo, clock }, agent('alice'), 'a-1', exp());
    await registerConnection({ connections: repo, clock }, agent('alice'), 'a-2', exp());
    await registerConnection({ connections: repo, clock }, { ...agent('alice'), tenant: 'other' }, 'x-1', exp());
    const list = await repo.listByUser('acme', 'alice');
    expect(list.map((c) => c.connectionId).sort()).toEqual(['a-1', 'a-2']);
    expect(list[0]?.expiresAt).toBeGreaterThan(now / 1000 + 2 * 3600);
  });

  it('loses no connection when one user connects on several sockets at once', async () => {
    await Promise.all(
      ['r-1', 'r-2', 'r-3', 'r-4', 'r-5'].map((id) =>
        registerConnection({ connections: repo, clock }, agent('racer'), id, exp()),
      ),
    );
    expect((await repo.listByUser('acme', 'racer')).map((c) => c.connectionId).sort()).toEqual([
      'r-1',
      'r-2',
      'r-3',
      'r-4',
      'r-5',
    ]);
    await Promise.all([
      repo.delete('acme', 'racer', 'r-2'),
      repo.delete('acme', 'racer', 'r-4'),
      repo.delete('acme', 'nobody', 'x'),
    ]);
    expect((await repo.listByUser('acme', 'racer')).map((c) => c.connectionId).sort()).toEqual(['r-1', 'r-3', 'r-5']);
  });

  it('looks up the connections of many users in batches of 100', async () => {
    const users = Array.from({ length: 230 }, (_, i) => `bulk-${i}`);
    await Promise.all(users.map((u) => registerConnection({ connections: repo, clock }, agent(u), `${u}-c`, exp())));
    const found = await repo.listByUsers('acme', [...users, 'no-such-user', users[0] ?? '']);
    expect(found).toHaveLength(230);
    expect(new Set(found.map((c) => c.user)).size).toBe(230);
    expect(await repo.listByUsers('other', users)).toEqual([]);
  });

  it('hides records past their TTL even before DynamoDB deletes them', async () => {
    await registerConnection({ connections: repo, clock }, agent('old'), 'o-1', exp());
    now += 3 * 3600 * 1000;
    expect(await repo.listByUser('acme', 'old')).toEqual([]);
    now -= 3 * 3600 * 1000;
  });

  it("stops pushing to a connection when its token expires, without touching the user's other connections", async () => {
    const shortLived = Math.floor(now / 1000) + 60;
    await registerConnection({ connections: repo, clock }, agent('dora'), 'd-long', exp());
    await registerConnection({ connections: repo, clock }, agent('dora'), 'd-short', shortLived);
    const gateway = new FakeGateway();
    const notifier = new ConnectionNotifier(repo, gateway);
    await notifier.toUser('acme', 'dora', { type: 'before' });
    now += 61_000;
    await notifier.toUser('acme', 'dora', { type: 'after' });
    now -= 61_000;
    expect(gateway.posts.map((p) => `${p.connectionId}:${JSON.parse(p.data).type}`)).toEqual([
      'd-long:before',
      'd-short:before',
      'd-long:after',
    ]);
    // The short token must not shorten the item's life: DynamoDB's TTL would otherwise drop d-long with it.
    const item = await db.client.send(
      new GetCommand({ TableName: db.table, Key: { pk: 'T#acme#U#dora', sk: 'CONNS' } }),
    );
    expect(item.Item?.ttl).toBeGreaterThan(shortLived + 2 * 3600);
  });

  it('delivers to every connection of each user and deletes exactly the connection that is gone', async () => {
    await registerConnection({ connections: repo, clock }, agent('bob'), 'b-1', exp());
    await registerConnection({ connections: repo, clock }, agent('bob'), 'b-2', exp());
    await registerConnection({ connections: repo, clock }, agent('carol'), 'c-1', exp());
    const gateway = new FakeGateway(new Set(['b-2']), new Set(['c-1']));
    const notifier = new ConnectionNotifier(repo, gateway, 4);

    const report = await notifier.toUsers('acme', ['alice', 'bob', 'carol', 'bob'], { type: 'hello' });
    // (toEach below: each user its own event)

    expect(gateway.posts.map((p) => p.connectionId).sort()).toEqual(['a-1', 'a-2', 'b-1']);
    expect(JSON.parse(gateway.posts[0]?.data ?? '{}')).toEqual({ type: 'hello' });
    expect(report).toMatchObject({ delivered: 3, gone: 1, failed: 1 });
    expect([...report.usersReached].sort()).toEqual(['alice', 'bob']);
    // b-2 answered 410: only it is removed. c-1 failed for another reason: it is kept.
    expect((await repo.listByUser('acme', 'bob')).map((c) => c.connectionId)).toEqual(['b-1']);
    expect((await repo.listByUser('acme', 'carol')).map((c) => c.connectionId)).toEqual(['c-1']);
  });

  it('sends each user its own event with toEach', async () => {
    const gateway = new FakeGateway();
    const report = await new ConnectionNotifier(repo, gateway).toEach('acme', [
      { user: 'alice', event: { type: 'n', to: 'alice' } },
      { user: 'carol', event: { type: 'n', to: 'carol' } },
    ]);
    expect(report.delivered).toBe(3);
    const byConnection = Object.fromEntries(gateway.posts.map((p) => [p.connectionId, JSON.parse(p.data).to]));
    expect(byConnection).toEqual({ 'a-1': 'alice', 'a-2': 'alice', 'c-1': 'carol' });
  });

  it("skips a delivery's excepted connection only (the one whose request the event answers)", async () => {
    const gateway = new FakeGateway();
    await new ConnectionNotifier(repo, gateway).toEach('acme', [
      { user: 'alice', event: { type: 'n', to: 'alice' }, exceptConnection: 'a-1' },
      // Another user's connection id is never matched: the exception is per delivery.
      { user: 'carol', event: { type: 'n', to: 'carol' }, exceptConnection: 'a-2' },
    ]);
    expect(gateway.posts.map((p) => p.connectionId).sort()).toEqual(['a-2', 'c-1']);
  });

  it('keeps a connection that answers Gone while its $connect may still be running; deletes it once that is over', async () => {
    // Registered "now" (the test clock), as a $connect handler does before API Gateway completes the upgrade.
    await registerConnection({ connections: repo, clock }, agent('newt'), 'n-1', exp());
    const gateway = new FakeGateway(new Set(['n-1']));
    const at = (ms: number) => ({ now: () => ms });
    const report = await new ConnectionNotifier(repo, gateway, 4, at(now + 1_000)).toUser('acme', 'newt', {
      type: 'x',
    });
    expect(report).toMatchObject({ delivered: 0, gone: 1 });
    expect((await repo.listByUser('acme', 'newt')).map((c) => c.connectionId)).toEqual(['n-1']);
    // Past API Gateway's integration timeout a Gone is final: the record goes.
    await new ConnectionNotifier(repo, gateway, 4, at(now + 31_000)).toUser('acme', 'newt', { type: 'x' });
    expect(await repo.listByUser('acme', 'newt')).toEqual([]);
  });

  it('cannot reach users of another tenant', async () => {
    const gateway = new FakeGateway();
    const report = await new ConnectionNotifier(repo, gateway).toUser('other', 'bob', { type: 'x' });
    expect(report.delivered).toBe(0);
    expect(gateway.posts).toEqual([]);
  });
});

describe('batchWriteAll and queryAll', () => {
  let db: TestDynamo;
  beforeAll(async () => {
    db = await startTestDynamo();
  });
  afterAll(async () => db?.close());

  it('writes more than 25 items and pages through more than one query page', async () => {
    const items = Array.from({ length: 130 }, (_, i) => ({
      PutRequest: { Item: { pk: 'bulk', sk: `i#${String(i).padStart(4, '0')}`, pad: 'x'.repeat(9000) } },
    }));
    const { calls } = await batchWriteAll(db.client, db.table, items);
    expect(calls).toBe(6);
    // 130 items of ~9 KB exceed DynamoDB's 1 MB page: queryAll must follow LastEvaluatedKey.
    const { items: read, calls: pages } = await queryAll(db.client, {
      TableName: db.table,
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': 'bulk' },
    });
    expect(read).toHaveLength(130);
    expect(pages).toBeGreaterThan(1);
  });

  it('retries UnprocessedItems until everything is written', async () => {
    // A client that leaves the last two items unprocessed on the first call, as DynamoDB does under throttling.
    let first = true;
    const flaky = {
      send: async (command: BatchWriteCommand) => {
        const requests = command.input.RequestItems?.[db.table] ?? [];
        if (first) {
          first = false;
          await db.client.send(new BatchWriteCommand({ RequestItems: { [db.table]: requests.slice(0, -2) } }));
          return { UnprocessedItems: { [db.table]: requests.slice(-2) } };
        }
        return db.client.send(command);
      },
    } as unknown as DynamoDBDocumentClient;
    const items = Array.from({ length: 5 }, (_, i) => ({ PutRequest: { Item: { pk: 'retry', sk: String(i) } } }));
    const { calls } = await batchWriteAll(flaky, db.table, items, { baseDelayMs: 1 });
    expect(calls).toBe(2);
    const { items: read } = await queryAll(db.client, {
      TableName: db.table,
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': 'retry' },
    });
    expect(read.map((i) => i.sk)).toEqual(['0', '1', '2', '3', '4']);
  });

  it('throws rather than dropping items that stay unprocessed', async () => {
    const stuck = {
      send: async (c: BatchWriteCommand) => ({ UnprocessedItems: c.input.RequestItems }),
    } as unknown as DynamoDBDocumentClient;
    await expect(
      batchWriteAll(stuck, db.table, [{ PutRequest: { Item: { pk: 'p', sk: 's' } } }], {
        maxAttempts: 3,
        baseDelayMs: 1,
      }),
    ).rejects.toThrow(/unprocessed/);
  });
});
