import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoDirectoryRepository } from '../../functions/adapters/directory-repository.ts';
import { DynamoInboxRepository } from '../../functions/adapters/inbox-repository.ts';
import { DynamoMessageRepository } from '../../functions/adapters/message-repository.ts';
import type { Clock } from '../../functions/domain/clock.ts';
import type { InboxRepository } from '../../functions/domain/message-ports.ts';
import { MAX_REDRIVES, STALLED_AFTER_MS, sweepStalledSends } from '../../functions/domain/message-recovery.ts';
import { messageReport } from '../../functions/domain/message-reports.ts';
import {
  type DeliverDeps,
  deliverMessage,
  REPLAY_RESUMES_AFTER_MS,
  type SendDeps,
  sendMessage,
} from '../../functions/domain/message-send.ts';
import type { Delivery, DeliveryReport, Notifier, ServerEvent } from '../../functions/domain/notifier.ts';
import type { Principal } from '../../functions/domain/principal.ts';
import type { SettingsRepository } from '../../functions/domain/settings.ts';
import { DEFAULT_SETTINGS } from '../../functions/domain/settings.ts';
import { startTestDynamo, type TestDynamo } from '../support/dynalite.ts';

/**
 * Issue 12, part 2: an accepted message is delivered, crash or not. On dynalite, with the real repositories: the
 * recovery sweep finds sends whose fan-out died (the in-flight index), re-drives them from their checkpoints with every
 * recipient getting exactly one entry, gives up a send that never progresses as `failed` with a reason the sender
 * sees live and in the report, and a prompt replay of a stalled send resumes it.
 */
let db: TestDynamo;
let now = Date.parse('2026-06-15T10:00:00Z');
const clock: Clock = { now: () => now };
const settings: SettingsRepository = { get: async () => DEFAULT_SETTINGS, update: async () => DEFAULT_SETTINGS };
const sue: Principal = { tenant: 'rec', user: 'sue', role: 'supervisor', name: 'Sue' };
const TEAM = Array.from({ length: 120 }, (_, i) => `agent-${String(i).padStart(3, '0')}`);

/** Records pushes; no sockets. */
class RecordingNotifier implements Notifier {
  readonly events: Array<{ user: string; event: ServerEvent }> = [];
  private report(users: readonly string[]): DeliveryReport {
    return { delivered: 0, gone: 0, failed: 0, usersReached: new Set(users.slice(0, 0)) };
  }
  async toUser(_t: string, user: string, event: ServerEvent) {
    this.events.push({ user, event });
    return this.report([user]);
  }
  async toUsers(_t: string, users: readonly string[], event: ServerEvent) {
    for (const user of users) this.events.push({ user, event });
    return this.report(users);
  }
  async toEach(_t: string, deliveries: readonly Delivery[]) {
    for (const d of deliveries) this.events.push(d);
    return this.report(deliveries.map((d) => d.user));
  }
}

function setup(inboxOverride?: InboxRepository) {
  const notifier = new RecordingNotifier();
  const messages = DynamoMessageRepository.onTable(db.client, db.table, clock);
  const inbox = new DynamoInboxRepository(db.client, db.table, clock);
  const dispatched: string[] = [];
  const deliver: DeliverDeps = {
    directory: new DynamoDirectoryRepository(db.client, db.table),
    messages,
    inbox: inboxOverride ?? inbox,
    notifier,
    clock,
    shardSize: 50,
  };
  const send: SendDeps = {
    ...deliver,
    settings,
    // A dispatcher whose "worker" never runs: what a crash right after the 202 leaves behind.
    dispatcher: { dispatch: async (_t, id) => void dispatched.push(id) },
  };
  const recovery = { messages, notifier, clock, dispatcher: send.dispatcher };
  return { notifier, messages, inbox, dispatched, deliver, send, recovery };
}

const entriesOf = async (inbox: DynamoInboxRepository, messageId: string) =>
  (await inbox.getForMessage('rec', messageId, TEAM)).map((e) => e.agentId);

beforeAll(async () => {
  db = await startTestDynamo();
  await new DynamoDirectoryRepository(db.client, db.table).putMany(
    TEAM.map((agentId) => ({
      tenant: 'rec',
      agentId,
      displayName: agentId,
      team: 'floor',
      queues: [],
      campaigns: [],
      lists: [],
    })),
  );
});
afterAll(async () => {
  await db?.close();
});

describe('recovery of accepted sends on dynalite', () => {
  it('re-drives a send whose worker never ran, once the deadline passes; each recipient gets one entry', async () => {
    const s = setup();
    const accepted = await sendMessage(s.send, sue, {
      text: 'lost worker',
      to: { agentIds: [], teams: ['floor'], queues: [], campaigns: [], lists: [] },
    });
    expect(accepted.status).toBe('sending');
    expect(s.dispatched).toEqual([accepted.id]);

    // Before the deadline the sweep leaves it alone: a healthy worker may still be on it.
    now += STALLED_AFTER_MS - 1000;
    expect(await sweepStalledSends(s.recovery)).toEqual({ stalled: 0, redriven: 0, failed: 0 });
    now += 2000;
    expect(await sweepStalledSends(s.recovery)).toEqual({ stalled: 1, redriven: 1, failed: 0 });
    expect(s.dispatched).toEqual([accepted.id, accepted.id]);
    // A second sweep right away does not re-drive it again (the claim moved its deadline).
    expect(await sweepStalledSends(s.recovery)).toMatchObject({ redriven: 0 });

    await deliverMessage(s.deliver, 'rec', accepted.id);
    expect((await s.messages.get('rec', accepted.id))?.status).toBe('complete');
    expect((await entriesOf(s.inbox, accepted.id)).sort()).toEqual(TEAM);
    // Complete sends leave the in-flight index.
    now += STALLED_AFTER_MS * 3;
    expect(await s.messages.listStalled(now, 100)).toEqual([]);
  });

  it('resumes a worker that crashed half way, without a second entry for anyone', async () => {
    const healthy = setup();
    let writes = 0;
    const landing: Promise<void>[] = [];
    // The first run dies after two shards' entries are durable.
    const crashing: InboxRepository = Object.create(healthy.inbox, {
      putEntries: {
        value: async (...args: Parameters<InboxRepository['putEntries']>) => {
          if (++writes > 2) throw new Error('worker killed');
          const write = healthy.inbox.putEntries(...args);
          landing.push(write);
          return write;
        },
      },
    });
    const s = setup(crashing);
    const accepted = await sendMessage(s.send, sue, {
      text: 'half way',
      to: { agentIds: [], teams: ['floor'], queues: [], campaigns: [], lists: [] },
    });
    await expect(deliverMessage(s.deliver, 'rec', accepted.id)).rejects.toThrow('worker killed');
    // The shards running alongside the failing one (other invocations, in Lambda) finish a moment later.
    await Promise.allSettled(landing);
    await new Promise((resolve) => setTimeout(resolve, 500));
    const partial = await entriesOf(healthy.inbox, accepted.id);
    expect(partial.length).toBeGreaterThan(0);
    expect(partial.length).toBeLessThan(TEAM.length);

    now += STALLED_AFTER_MS + 1000;
    expect(await sweepStalledSends(healthy.recovery)).toMatchObject({ redriven: 1 });
    await deliverMessage(healthy.deliver, 'rec', accepted.id);
    const entries = await entriesOf(healthy.inbox, accepted.id);
    expect(entries.sort()).toEqual(TEAM);
    // One message event per agent over both runs: the shards that finished in the crashed run are not pushed again,
    // and the crashed shard pushed nothing before its entries were all written.
    const pushes = [...s.notifier.events, ...healthy.notifier.events].filter((e) => e.event.type === 'message');
    expect(new Set(pushes.map((p) => p.user)).size).toBe(TEAM.length);
    expect(pushes).toHaveLength(TEAM.length);
    expect((await healthy.messages.get('rec', accepted.id))?.status).toBe('complete');
  });

  it(`gives up a send that makes no progress through ${MAX_REDRIVES} re-drives: failed, with the reason, live and in the report`, async () => {
    const broken: InboxRepository = Object.create(setup().inbox, {
      putEntries: { value: async () => Promise.reject(new Error('table throttled')) },
    });
    const s = setup(broken);
    const accepted = await sendMessage(s.send, sue, {
      text: 'doomed',
      to: { agentIds: [], teams: ['floor'], queues: [], campaigns: [], lists: [] },
    });
    // The worker fails (its handler records the error), then every re-drive fails the same way.
    const run = async () => {
      await deliverMessage(s.deliver, 'rec', accepted.id).catch(async (error: Error) => {
        await s.messages.noteError('rec', accepted.id, error.message);
      });
    };
    await run();
    for (let i = 1; i <= MAX_REDRIVES; i++) {
      now += STALLED_AFTER_MS + 1000;
      expect(await sweepStalledSends(s.recovery)).toMatchObject({ redriven: 1, failed: 0 });
      await run();
    }
    now += STALLED_AFTER_MS + 1000;
    expect(await sweepStalledSends(s.recovery)).toMatchObject({ redriven: 0, failed: 1 });

    const record = await s.messages.get('rec', accepted.id);
    expect(record?.status).toBe('failed');
    expect(record?.failure?.reason).toContain('table throttled');
    const live = s.notifier.events.filter((e) => e.user === 'sue' && e.event.type === 'messageStatus');
    expect(live).toHaveLength(1);
    expect(live[0]?.event).toMatchObject({
      messageId: accepted.id,
      status: 'failed',
      failure: { reason: record?.failure?.reason },
    });
    const report = await messageReport({ ...s.deliver, plans: s.deliver.messages, settings }, sue, accepted.id, {
      limit: 10,
    });
    expect(report).toMatchObject({ status: 'failed', failure: { reason: record?.failure?.reason } });
    // Final: no further sweep touches it, and a late worker does not revive it.
    now += STALLED_AFTER_MS * 5;
    expect(await sweepStalledSends(s.recovery)).toEqual({ stalled: 0, redriven: 0, failed: 0 });
    expect(await deliverMessage(setup().deliver, 'rec', accepted.id)).toBeNull();
    expect((await s.messages.get('rec', accepted.id))?.status).toBe('failed');
  });

  it('a prompt replay (same key, same body) of a stalled send resumes it; a replay during progress does not', async () => {
    const s = setup();
    const input = {
      text: 'replayed',
      idempotencyKey: 'k-1',
      to: { agentIds: [], teams: ['floor'], queues: [], campaigns: [], lists: [] },
    };
    const first = await sendMessage(s.send, sue, input);
    expect(s.dispatched).toEqual([first.id]);
    now += 2000;
    expect(await sendMessage(s.send, sue, input)).toMatchObject({ id: first.id, replayed: true, status: 'sending' });
    expect(s.dispatched).toHaveLength(1);
    now += REPLAY_RESUMES_AFTER_MS;
    await sendMessage(s.send, sue, input);
    expect(s.dispatched).toEqual([first.id, first.id]);
    await deliverMessage(s.deliver, 'rec', first.id);
    expect(await sendMessage(s.send, sue, input)).toMatchObject({ id: first.id, status: 'complete', replayed: true });
    expect((await entriesOf(s.inbox, first.id)).sort()).toEqual(TEAM);
  });
});
