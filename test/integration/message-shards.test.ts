import { LambdaClient } from '@aws-sdk/client-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ConnectionGateway, ConnectionNotifier } from '../../functions/adapters/connection-notifier.ts';
import { DynamoConnectionRepository } from '../../functions/adapters/connection-repository.ts';
import { DynamoDirectoryRepository } from '../../functions/adapters/directory-repository.ts';
import { DynamoInboxRepository } from '../../functions/adapters/inbox-repository.ts';
import { type FanOutShardEvent, LambdaShardDispatcher } from '../../functions/adapters/message-dispatcher.ts';
import { DynamoMessageRepository } from '../../functions/adapters/message-repository.ts';
import type { Clock } from '../../functions/domain/clock.ts';
import type { InboxRepository, MessageRepository } from '../../functions/domain/message-ports.ts';
import { messageReport } from '../../functions/domain/message-reports.ts';
import { type DeliverDeps, deliverMessage, deliverShard, sendMessage } from '../../functions/domain/message-send.ts';
import type { Principal } from '../../functions/domain/principal.ts';
import type { SettingsRepository } from '../../functions/domain/settings.ts';
import { DEFAULT_SETTINGS } from '../../functions/domain/settings.ts';
import { type LambdaApi, startLambdaApi } from '../../lib/local/lambda-api.ts';
import { startTestDynamo, type TestDynamo } from '../support/dynalite.ts';

/**
 * Issue 9, point 2: the sharded fan-out on dynalite, its shards started through the local Lambda Invoke emulator
 * (async invokes, Lambda's two retries). A shard that fails and is retried delivers the message once per connection
 * and never writes a second inbox entry; and a send makes about 0.1 DynamoDB requests per recipient or fewer,
 * counted by a middleware on the real client — delivered receipts included.
 */

/** The @connections API as a recorder: every post, by connection. */
class RecordingGateway implements ConnectionGateway {
  readonly posts: { connectionId: string; data: Record<string, unknown> }[] = [];
  async post(connectionId: string, data: string): Promise<'sent' | 'gone'> {
    this.posts.push({ connectionId, data: JSON.parse(data) });
    return 'sent';
  }
  messagesTo(connectionId: string, messageId: string) {
    return this.posts.filter(
      (p) =>
        p.connectionId === connectionId &&
        p.data.type === 'message' &&
        (p.data.message as { id: string }).id === messageId,
    ).length;
  }
}

let db: TestDynamo;
const now = Date.parse('2026-06-15T10:00:00Z');
const clock: Clock = { now: () => now };
const settings: SettingsRepository = { get: async () => DEFAULT_SETTINGS, update: async () => DEFAULT_SETTINGS };
const sue: Principal = { tenant: 'shard', user: 'sue', role: 'supervisor', name: 'Sue' };
const AGENTS = Array.from({ length: 1000 }, (_, i) => `agent-${String(i).padStart(4, '0')}`);
/** Every third agent is online; every thirtieth has a second tab. */
const ONLINE = AGENTS.filter((_, i) => i % 3 === 0);
const connectionsOf = (agent: string) =>
  Number(agent.slice(-4)) % 30 === 0 ? [`c-${agent}-a`, `c-${agent}-b`] : [`c-${agent}-a`];
const everyTeam = { agentIds: [], teams: ['floor'], queues: [], campaigns: [], lists: [] };

function baseDeps(gateway: ConnectionGateway): DeliverDeps & { settings: SettingsRepository } {
  return {
    directory: new DynamoDirectoryRepository(db.client, db.table),
    messages: DynamoMessageRepository.onTable(db.client, db.table, clock),
    inbox: new DynamoInboxRepository(db.client, db.table, clock),
    notifier: new ConnectionNotifier(new DynamoConnectionRepository(db.client, db.table, clock), gateway),
    clock,
    settings,
    shardSize: 250,
  };
}

beforeAll(async () => {
  db = await startTestDynamo();
  await new DynamoDirectoryRepository(db.client, db.table).putMany(
    AGENTS.map((agentId) => ({
      tenant: 'shard',
      agentId,
      displayName: agentId,
      team: 'floor',
      queues: [],
      campaigns: [],
      lists: [],
    })),
  );
  const connections = new DynamoConnectionRepository(db.client, db.table, clock);
  for (const user of [...ONLINE, 'sue'])
    for (const connectionId of user === 'sue' ? ['c-sue'] : connectionsOf(user))
      await connections.put({
        tenant: 'shard',
        user,
        role: user === 'sue' ? 'supervisor' : 'agent',
        connectionId,
        connectedAt: '',
        expiresAt: 9_999_999_999,
      });
});
afterAll(async () => {
  await db?.close();
});

describe('sharded fan-out on dynalite and the Lambda emulator', () => {
  let lambda: LambdaApi | undefined;
  afterAll(async () => {
    await lambda?.close();
  });

  it('shards failing once and retried by Lambda deliver once per connection and never twice in the inbox', async () => {
    // Prepare: four shards of 250. Shard 1 fails after its pushes are recorded (its checkpoint write fails), shard 2
    // mid-way through writing its entries; Lambda retries both.
    const gateway = new RecordingGateway();
    const deps = baseDeps(gateway);
    const realMessages = deps.messages;
    const realInbox = deps.inbox;
    const failures = new Set(['checkpoint-1', 'entries-2']);
    const messages: MessageRepository = Object.create(realMessages, {
      markShardPushed: {
        value: async (...args: Parameters<MessageRepository['markShardPushed']>) => {
          if (failures.delete(`checkpoint-${args[2]}`)) throw new Error('throttled on the checkpoint');
          return realMessages.markShardPushed(...args);
        },
      },
    });
    const inbox: InboxRepository = Object.create(realInbox, {
      putEntries: {
        value: async (...args: Parameters<InboxRepository['putEntries']>) => {
          const [entries, mode] = args;
          if (entries.some((e) => e.agentId === 'agent-0600') && failures.delete('entries-2')) {
            await realInbox.putEntries(entries.slice(0, 120), mode);
            throw new Error('throttled half way through the entries');
          }
          return realInbox.putEntries(...args);
        },
      },
    });
    const attempts = new Map<number, number>();
    const shardDeps: DeliverDeps = { ...deps, messages, inbox };
    lambda = await startLambdaApi({
      port: 0,
      retryDelaysMs: [50, 50],
      functions: new Map([
        [
          'Shard',
          async (event: unknown) => {
            const { tenant, messageId, shard } = event as FanOutShardEvent;
            attempts.set(shard, (attempts.get(shard) ?? 0) + 1);
            return deliverShard(shardDeps, tenant, messageId, shard);
          },
        ],
      ]),
    });
    const lambdaClient = new LambdaClient({
      endpoint: lambda.endpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    });
    const coordinator: DeliverDeps = { ...shardDeps, shards: new LambdaShardDispatcher(lambdaClient, 'Shard') };
    const accepted = await sendMessage({ ...deps, dispatcher: { dispatch: async () => undefined } }, sue, {
      text: 'Sharded',
      to: everyTeam,
    });

    // Act: the coordinator runs shard 0 and starts 1–3 on the emulator; wait for every invocation and retry.
    await deliverMessage(coordinator, 'shard', accepted.id);
    await lambda.idle();
    lambdaClient.destroy();

    // Assess: both failing shards ran twice, the others once; the send completed.
    expect(Object.fromEntries(attempts)).toEqual({ 1: 2, 2: 2, 3: 1 });
    const record = await realMessages.get('shard', accepted.id);
    expect(record).toMatchObject({ status: 'complete', plan: { chunkCount: 4, recipientCount: 1000 } });
    // Once per connection: the retried shards pushed nobody twice.
    for (const agent of ONLINE)
      for (const connectionId of connectionsOf(agent))
        expect(gateway.messagesTo(connectionId, accepted.id), connectionId).toBe(1);
    const pushed = gateway.posts.filter((p) => p.data.type === 'message');
    expect(pushed).toHaveLength(ONLINE.reduce((n, a) => n + connectionsOf(a).length, 0));
    // One entry per agent, no more.
    const entries = await realInbox.getForMessage('shard', accepted.id, AGENTS);
    expect(entries.map((e) => e.agentId).sort()).toEqual(AGENTS);
    for (const agent of ['agent-0000', 'agent-0600', 'agent-0999'])
      expect((await realInbox.listToday('shard', agent, now)).filter((e) => e.messageId === accepted.id)).toHaveLength(
        1,
      );
    // Counted once per shard, reported once to the sender, receipts from the shards' records.
    expect(record?.stats).toMatchObject({ reachedLive: ONLINE.length, delivered: pushed.length, failed: 0 });
    const status = gateway.posts.filter((p) => p.connectionId === 'c-sue' && p.data.type === 'messageStatus');
    expect(status).toHaveLength(1);
    expect(status[0]?.data).toMatchObject({ status: 'complete', summary: { recipients: 1000 } });
    const report = await messageReport({ ...deps, plans: deps.messages }, sue, accepted.id, { limit: 10 });
    expect(report.counts).toEqual({ recipients: 1000, delivered: ONLINE.length, read: 0 });
    expect(report.receipts[0]).toMatchObject({ agentId: 'agent-0000', deliveredAt: expect.any(String) });
    expect(report.receipts[1]).toMatchObject({ agentId: 'agent-0001', deliveredAt: null });
  });

  it('a send to 1,000 agents makes at most 0.1 DynamoDB requests per recipient, receipts included', async () => {
    // Prepare: count every request the real client sends to dynalite (each attempt, after the SDK's retry step).
    const counts = new Map<string, number>();
    db.client.middlewareStack.add(
      (next, context) => async (args) => {
        counts.set(context.commandName ?? '?', (counts.get(context.commandName ?? '?') ?? 0) + 1);
        return next(args);
      },
      { step: 'finalizeRequest', priority: 'low', name: 'countRequestsForTest' },
    );
    try {
      const gateway = new RecordingGateway();
      const deps = baseDeps(gateway);

      // Act: the whole send — accept, plan, four shards (run by the coordinator itself), completion.
      const accepted = await sendMessage({ ...deps, dispatcher: { dispatch: async () => undefined } }, sue, {
        text: 'Counted',
        to: everyTeam,
      });
      const summary = await deliverMessage(deps, 'shard', accepted.id);

      // Assess
      expect(summary).toMatchObject({ recipients: 1000, reachedLive: ONLINE.length });
      const total = [...counts.values()].reduce((a, b) => a + b, 0);
      expect(total, JSON.stringify(Object.fromEntries(counts))).toBeLessThanOrEqual(100);
      // The counter does see the sends: 1,000 entries are at least 40 batch writes of 25.
      expect(counts.get('BatchWriteItemCommand') ?? 0).toBeGreaterThanOrEqual(40);
      // No write per recipient: single-item writes are per shard (claim, checkpoint), per wave of 100 (its record)
      // and a few per send (create, plan, complete).
      const singles = (counts.get('UpdateItemCommand') ?? 0) + (counts.get('PutItemCommand') ?? 0);
      expect(singles).toBeLessThanOrEqual(4 * 2 + 4 * 3 + 3);
      // And the pushes did reach everyone online.
      expect(gateway.posts.filter((p) => p.data.type === 'message')).toHaveLength(
        ONLINE.reduce((n, a) => n + connectionsOf(a).length, 0),
      );
    } finally {
      db.client.middlewareStack.remove('countRequestsForTest');
    }
  });

  it("looks up a wave's connections after its entries are written and before the next wave's writes start", async () => {
    // Prepare: log, in order, the start and end of every entry write and connection lookup, and every post, by wave
    // (a wave is named by its first agent's position: waves of 100 inside shards of 250).
    const log: string[] = [];
    const waveOf = (agent: string) => {
      const i = Number(agent.slice(-4));
      const shard = Math.floor(i / 250);
      return `${shard}.${Math.floor((i - shard * 250) / 100)}`;
    };
    const gateway = new RecordingGateway();
    const posting: ConnectionGateway = {
      post: async (connectionId, data) => {
        log.push(`post ${waveOf(connectionId.slice(2, 12))}`);
        return gateway.post(connectionId, data);
      },
    };
    const deps = baseDeps(posting);
    const realInbox = deps.inbox;
    const inbox: InboxRepository = Object.create(realInbox, {
      putEntries: {
        value: async (...args: Parameters<InboxRepository['putEntries']>) => {
          const wave = waveOf(args[0][0]?.agentId ?? '');
          log.push(`write ${wave}`);
          await realInbox.putEntries(...args);
          log.push(`written ${wave}`);
        },
      },
    });
    const realConnections = new DynamoConnectionRepository(db.client, db.table, clock);
    const connections = Object.create(realConnections, {
      listByUsers: {
        value: async (tenant: string, users: readonly string[]) => {
          const wave = waveOf(users[0] ?? '');
          log.push(`lookup ${wave}`);
          const records = await realConnections.listByUsers(tenant, users);
          log.push(`looked-up ${wave}`);
          return records;
        },
      },
    });
    const sendDeps = { ...deps, inbox, notifier: new ConnectionNotifier(connections, posting) };

    // Act: the whole send, its four shards run side by side by the coordinator.
    const accepted = await sendMessage({ ...sendDeps, dispatcher: { dispatch: async () => undefined } }, sue, {
      text: 'Ordered',
      to: everyTeam,
    });
    await deliverMessage(sendDeps, 'shard', accepted.id);

    // Assess: per shard, wave w is written, then looked up, then pushed; wave w + 1's writes start after that lookup.
    const at = (event: string) => log.indexOf(event);
    for (let shard = 0; shard < 4; shard++)
      for (let w = 0; w < 3; w++) {
        const wave = `${shard}.${w}`;
        expect(at(`written ${wave}`), wave).toBeGreaterThanOrEqual(0);
        expect(at(`lookup ${wave}`), wave).toBeGreaterThan(at(`written ${wave}`));
        const firstPost = log.findIndex((e) => e.startsWith('post ') && e === `post ${wave}`);
        expect(firstPost, wave).toBeGreaterThan(at(`looked-up ${wave}`));
        if (w < 2) expect(at(`write ${shard}.${w + 1}`), wave).toBeGreaterThan(at(`looked-up ${wave}`));
      }
    expect(gateway.posts.filter((p) => p.data.type === 'message')).toHaveLength(
      ONLINE.reduce((n, a) => n + connectionsOf(a).length, 0),
    );
  });
});
