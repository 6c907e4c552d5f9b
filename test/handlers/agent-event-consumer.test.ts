import type { Context, KinesisStreamEvent } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { DynamoAlertStore } from '../../functions/adapters/alert-repository.ts';
import { agentEventConsumer } from '../../functions/adapters/inbound/agent-event-consumer.ts';
import type { InProcessDomainEvents } from '../../functions/adapters/status-domain-events.ts';
import { onAgentEvent } from '../../functions/domain/alerts/lifecycle.ts';
import type { AlertStore } from '../../functions/domain/alerts/model.ts';
import type { Notifier, ServerEvent } from '../../functions/domain/notifier.ts';
import { startStatusDynamo, statusHarness } from '../support/status-dynalite.ts';

const INSTANCE = 'arn:aws:connect:eu-west-2:111122223333:instance/11111111-2222-3333-4444-555555555555';

function record(seq: string, data: unknown) {
  const text = typeof data === 'string' ? data : JSON.stringify(data);
  return {
    kinesis: {
      kinesisSchemaVersion: '1.0',
      partitionKey: 'a1',
      sequenceNumber: seq,
      data: Buffer.from(text).toString('base64'),
      approximateArrivalTimestamp: 0,
    },
    eventSource: 'aws:kinesis',
    eventVersion: '1.0',
    eventID: `shardId-000:${seq}`,
    eventName: 'aws:kinesis:record',
    invokeIdentityArn: 'arn:aws:iam::111122223333:role/x',
    awsRegion: 'eu-west-2',
    eventSourceARN: 'arn:aws:kinesis:eu-west-2:111122223333:stream/agent-events',
  };
}

function event(id: string, at: string, type: string, contacts: Array<{ id: string; state: string }>, user = 'a1') {
  return {
    AgentARN: `${INSTANCE}/agent/uuid-${user}`,
    AWSAccountId: '111122223333',
    EventId: id,
    EventTimestamp: at,
    EventType: type,
    InstanceARN: INSTANCE,
    Version: '2017-10-01',
    SomethingNew: { tolerated: true },
    CurrentAgentSnapshot: {
      AgentStatus: { ARN: `${INSTANCE}/agent-state/avail`, Name: 'Available', Type: 'ROUTABLE' },
      Configuration: {
        Username: user,
        AgentHierarchyGroups: { Level1: { ARN: 'x', Name: 'Blue' } },
        RoutingProfile: {
          InboundQueues: [{ ARN: `${INSTANCE}/queue/q1`, Name: 'Sales' }],
          Concurrency: [{ Channel: 'VOICE', AvailableSlots: 1, MaximumSlots: 1 }],
        },
      },
      Contacts: contacts.map((c) => ({ ContactId: c.id, Channel: 'VOICE', State: c.state })),
    },
  };
}

let db: Awaited<ReturnType<typeof startStatusDynamo>>;
beforeAll(async () => {
  db = await startStatusDynamo();
});
afterAll(async () => {
  await db.close();
});

const WRITES = new Set(['PutCommand', 'UpdateCommand', 'DeleteCommand', 'BatchWriteCommand', 'TransactWriteCommand']);

/** Runs `fn` and lists the DynamoDB write commands it sent (what the benchmark counts per record). */
async function countWrites<T>(fn: () => Promise<T>): Promise<{ result: T; commands: string[] }> {
  const commands: string[] = [];
  const send = db.client.send.bind(db.client) as (...args: unknown[]) => Promise<unknown>;
  const spy = vi.spyOn(db.client, 'send').mockImplementation(((command: object, ...rest: unknown[]) => {
    if (WRITES.has(command.constructor.name)) commands.push(command.constructor.name);
    return send(command, ...rest);
  }) as never);
  try {
    return { result: await fn(), commands };
  } finally {
    spy.mockRestore();
  }
}

describe('agent-events consumer', () => {
  it('applies valid records in order, skips malformed ones without reporting them, costs no write for duplicates, stale events and heartbeats, and reports transient failures from the first one on', async () => {
    // Prepare
    const h = statusHarness(db.client, db.table);
    await h.bindConnect('tk', INSTANCE);
    await h.connect({ tenant: 'tk', user: 'a1', role: 'agent' }, 'conn-a1');
    const login = event('e1', '2026-11-20T09:00:00.000Z', 'LOGIN', []);
    const offer = event('e2', '2026-11-20T09:00:05.000Z', 'STATE_CHANGE', [{ id: 'c1', state: 'CONNECTING' }]);
    const batch = {
      Records: [
        record('1', login),
        record('2', 'not json {'),
        record('3', { EventType: 'STATE_CHANGE' }),
        record('4', offer),
        record('5', offer), // duplicate
        record('6', event('e0', '2026-11-20T08:59:00.000Z', 'STATE_CHANGE', [{ id: 'c0', state: 'CONNECTED' }])), // older
        record('7', event('e3', '2026-11-20T09:00:06.000Z', 'HEART_BEAT', [{ id: 'c1', state: 'CONNECTING' }])),
      ],
    } as unknown as KinesisStreamEvent;
    const stats: Record<string, number>[] = [];

    // Act
    const writes = await countWrites(() => agentEventConsumer(h.deps, (s) => stats.push(s))(batch, {} as Context));
    const response = writes.result;

    // Assess
    expect(response).toEqual({ batchItemFailures: [] });
    expect(stats[0]).toEqual({ applied: 2, malformed: 2, duplicate: 1, stale: 1, unchanged: 1 });
    const status = await h.deps.store.get('tk', 'a1');
    expect(status).toMatchObject({
      status: 'ringing',
      contacts: 1,
      team: 'Blue',
      queues: ['Sales'],
      source: 'connect',
    });
    expect(h.directory.syncCalls).toBe(1);
    expect(h.events).toEqual([
      expect.objectContaining({
        type: 'contact-offered',
        agent: 'a1',
        contact: expect.objectContaining({ contactId: 'c1' }),
      }),
    ]);
    // Two applied events: one transaction each (status record + log, + session on login); duplicates, stale events and
    // the heartbeat: none.
    expect(writes.commands).toEqual(['TransactWriteCommand', 'TransactWriteCommand']);
    expect(h.gateway.received('conn-a1').map((f) => f.status)).toEqual(['idle', 'ringing']);

    // A second delivery of the same batch (a Lambda retry) writes nothing at all.
    const retry = await countWrites(() => agentEventConsumer(h.deps)(batch, {} as Context));
    expect(retry.commands).toEqual([]);
  });

  it('reports a transient failure and every later record as batchItemFailures', async () => {
    const h = statusHarness(db.client, db.table);
    await h.bindConnect('tf', INSTANCE.replace('5555', '6666'));
    const inst = INSTANCE.replace('5555', '6666');
    const ev = (id: string, at: string, user: string) => ({
      ...event(id, at, 'LOGIN', [], user),
      InstanceARN: inst,
      AgentARN: `${inst}/agent/uuid-${user}`,
    });
    let calls = 0;
    h.directory.syncFromConnect = async () => {
      calls++;
      if (calls === 2) throw new Error('DynamoDB throttled');
    };
    const batch = {
      Records: [
        record('10', ev('f1', '2026-11-20T09:00:00Z', 'b1')),
        record('11', ev('f2', '2026-11-20T09:00:00Z', 'b2')),
        record('12', 'garbage'),
        record('13', ev('f3', '2026-11-20T09:00:01Z', 'b3')),
      ],
    } as unknown as KinesisStreamEvent;
    const response = await agentEventConsumer(h.deps)(batch, {} as Context);
    expect(response).toEqual({
      batchItemFailures: [{ itemIdentifier: '11' }, { itemIdentifier: '12' }, { itemIdentifier: '13' }],
    });
    expect((await h.deps.store.get('tf', 'b1'))?.status).toBe('idle');
    expect(await h.deps.store.get('tf', 'b2')).toBeUndefined();
  });

  it("skips, as bad input, records whose agent is not the instance's or whose Username is no user id", async () => {
    // Prepare
    const h = statusHarness(db.client, db.table);
    const inst = INSTANCE.replace('5555', '7777');
    await h.bindConnect('tb', inst);
    const good = {
      ...event('g1', '2026-11-20T09:00:00Z', 'LOGIN', [], 'ok1'),
      InstanceARN: inst,
      AgentARN: `${inst}/agent/uuid-ok1`,
    };
    const foreignAgent = { ...good, EventId: 'g2', AgentARN: `${INSTANCE}/agent/uuid-ok1` };
    const badUser = (id: string, username: string) => ({
      ...good,
      EventId: id,
      CurrentAgentSnapshot: {
        ...good.CurrentAgentSnapshot,
        Configuration: { ...good.CurrentAgentSnapshot.Configuration, Username: username },
      },
    });
    const stats: Record<string, number>[] = [];
    const batch = {
      Records: [
        record('20', foreignAgent),
        record('21', badUser('g3', 'alice#STATUS')),
        record('22', badUser('g4', '../x')),
        record('23', badUser('g5', 'x'.repeat(129))),
        record('24', good),
      ],
    } as unknown as KinesisStreamEvent;

    // Act
    const writes = await countWrites(() => agentEventConsumer(h.deps, (s) => stats.push(s))(batch, {} as Context));

    // Assess: never reported (they can never succeed), never written, and the good record after them applies.
    expect(writes.result).toEqual({ batchItemFailures: [] });
    expect(stats[0]).toEqual({ malformed: 4, applied: 1 });
    expect(writes.commands).toEqual(['TransactWriteCommand']);
    expect((await h.deps.store.list('tb', { limit: 10 })).items.map((i) => i.agent)).toEqual(['ok1']);
  });

  it('an instance bound between two batches applies from the next batch on (no negative cache)', async () => {
    const h = statusHarness(db.client, db.table);
    const inst = INSTANCE.replace('5555', '8888');
    const ev = (id: string, at: string) => ({
      ...event(id, at, 'LOGIN', [], 'n1'),
      InstanceARN: inst,
      AgentARN: `${inst}/agent/uuid-n1`,
    });
    const stats: Record<string, number>[] = [];
    const consume = agentEventConsumer(h.deps, (s) => stats.push(s));

    await consume(
      { Records: [record('30', ev('n1', '2026-11-20T09:00:00Z'))] } as unknown as KinesisStreamEvent,
      {} as Context,
    );
    await h.bindConnect('tn', inst);
    await consume(
      { Records: [record('31', ev('n2', '2026-11-20T09:00:01Z'))] } as unknown as KinesisStreamEvent,
      {} as Context,
    );
    await h.bindings.unbind('tn');
    await consume(
      { Records: [record('32', ev('n3', '2026-11-20T09:00:02Z'))] } as unknown as KinesisStreamEvent,
      {} as Context,
    );

    expect(stats).toEqual([{ 'unknown-instance': 1 }, { applied: 1 }, { 'unknown-instance': 1 }]);
  });
});

describe('agent-events consumer: an offered contact clears the unacknowledged alerts, reliably', () => {
  it.each([
    ['before its write lands', false],
    ['after its write landed (a timeout)', true],
  ] as const)(
    'a clearing that fails %s fails the record; the retry clears the alert exactly once',
    async (_label, afterWrite) => {
      // Prepare: the agent on contact c0 with an active alert; clearing wired as in the functions (domain events).
      const h = statusHarness(db.client, db.table);
      const inst = INSTANCE.replace('5555', afterWrite ? '9992' : '9991');
      const tenant = afterWrite ? 'tca' : 'tcb';
      await h.bindConnect(tenant, inst);
      const ev = (id: string, at: string, contacts: Array<{ id: string; state: string }>) => ({
        ...event(id, at, 'STATE_CHANGE', contacts),
        InstanceARN: inst,
        AgentARN: `${inst}/agent/uuid-a1`,
      });
      const store = new DynamoAlertStore(db.client, db.table, h.clock);
      let failures = 1;
      const flaky: AlertStore = Object.assign(Object.create(store) as AlertStore, {
        close: async (...args: Parameters<AlertStore['close']>) => {
          if (failures > 0 && !afterWrite) {
            failures--;
            throw new Error('DynamoDB throttled (simulated)');
          }
          const out = await store.close(...args);
          if (failures > 0) {
            failures--;
            throw new Error('socket timeout after the write (simulated)');
          }
          return out;
        },
      });
      const cleared: ServerEvent[] = [];
      const recorder = {
        toUser: async (_t: string, _u: string, e: ServerEvent) => {
          cleared.push(e);
          return { delivered: 1, gone: 0, failed: 0, usersReached: new Set<string>() };
        },
      } as unknown as Notifier;
      (h.deps.events as InProcessDomainEvents).subscribe(
        onAgentEvent(() => ({ alerts: flaky, clock: h.clock, notifier: recorder, feed: { publish: async () => {} } })),
      );
      const consume = agentEventConsumer(h.deps);
      const onCall = {
        Records: [record('1', ev('g1', '2026-11-20T09:00:00.000Z', [{ id: 'c0', state: 'CONNECTED' }]))],
      };
      expect(await consume(onCall as unknown as KinesisStreamEvent, {} as Context)).toEqual({ batchItemFailures: [] });
      const raisedAt = '2026-11-20T09:00:20.000Z';
      await store.raise({
        tenant,
        agent: 'a1',
        id: `${Date.parse(raisedAt)}.poorNetwork.c0`,
        rule: 'poorNetwork',
        contactId: 'c0',
        state: 'active',
        raisedAt,
        breachStartedAt: '2026-11-20T09:00:05.000Z',
        threshold: { metric: 'mos', operator: '<', value: 3.5, seconds: 15 },
        evidence: [],
        breaches: 1,
        updatedAt: raisedAt,
        expiresAt: Math.floor(h.clock.now() / 1000) + 86_400,
      });
      const offer = {
        Records: [record('2', ev('g2', '2026-11-20T09:01:00.000Z', [{ id: 'c1', state: 'CONNECTING' }]))],
      } as unknown as KinesisStreamEvent;

      // Act 1: the clearing fails — the record is reported, and the offer is not applied yet.
      const first = await consume(offer, {} as Context);

      // Assess 1
      expect(first).toEqual({ batchItemFailures: [{ itemIdentifier: '2' }] });
      expect((await h.deps.store.get(tenant, 'a1'))?.currentContact?.contactId).toBe('c0');

      // Act 2: Lambda retries the record (twice, as a later duplicate delivery would).
      const second = await consume(offer, {} as Context);
      const third = await consume(offer, {} as Context);

      // Assess 2: cleared Not Acknowledged by the next contact, recorded and pushed once.
      expect(second).toEqual({ batchItemFailures: [] });
      expect(third).toEqual({ batchItemFailures: [] });
      const alerts = await store.listForAgent(tenant, 'a1', '2026-11-20T00:00:00.000Z');
      expect(alerts).toMatchObject([{ state: 'not-acknowledged', clearedBy: 'next-contact' }]);
      // Pushed once when the retry closes it; when the first attempt's close landed but failed to answer, the retry
      // finds it closed and pushes nothing (the agent's list shows it cleared) — never twice.
      expect(cleared).toHaveLength(afterWrite ? 0 : 1);
      expect((await h.deps.store.get(tenant, 'a1'))?.status).toBe('ringing');
    },
  );
});
