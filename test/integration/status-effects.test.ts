import type { TransactWriteCommandInput } from '@aws-sdk/lib-dynamodb';
import type { Context, KinesisStreamEvent } from 'aws-lambda';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { agentEventConsumer } from '../../functions/adapters/inbound/agent-event-consumer.ts';
import type { Principal } from '../../functions/domain/principal.ts';
import { setOwnStatus, sweepInactive } from '../../functions/domain/status-service.ts';
import { agentEvent } from '../support/agent-events.ts';
import { type Harness, startStatusDynamo, statusHarness } from '../support/status-dynalite.ts';

const INSTANCE = 'arn:aws:connect:eu-west-2:111122223333:instance/e0e0e0e0-1111-4222-8333-444455556666';

let db: Awaited<ReturnType<typeof startStatusDynamo>>;
let h: Harness;
let n = 0;
let tenant: string;
let agent: Principal;

beforeAll(async () => {
  db = await startStatusDynamo();
});
afterAll(async () => {
  await db.close();
});
beforeEach(async () => {
  tenant = `fx${++n}`;
  h = statusHarness(db.client, db.table, { connect: true });
  agent = { tenant, user: 'a1', role: 'agent' };
  await h.bindConnect(tenant, INSTANCE.replace('e0e0e0e0', `e0e0e0${String(n).padStart(2, '0')}`));
});

type Effect = 'log' | 'session' | 'sync';
const EFFECT_KEYS: Record<Effect, RegExp> = { log: /#LOG#/, session: /#SESSION#/, sync: /^CONNECT#SYNC#/ };

/** Makes the next write that carries `effect` fail as DynamoDB would (the whole transaction is refused). */
function failNextWriteOf(effect: Effect): { failed: () => number } {
  let failed = 0;
  const send = db.client.send.bind(db.client) as (...args: unknown[]) => Promise<unknown>;
  const spy = vi.spyOn(db.client, 'send').mockImplementation(((command: { input: unknown }, ...rest: unknown[]) => {
    const items = (command.input as TransactWriteCommandInput).TransactItems ?? [];
    const keys = items.map((i) => String(i.Put?.Item?.pk ?? i.Update?.Key?.pk ?? i.Delete?.Key?.pk ?? ''));
    if (failed === 0 && keys.some((k) => EFFECT_KEYS[effect].test(k))) {
      failed++;
      spy.mockRestore();
      const error = new Error('Throughput exceeds the current capacity for one or more items');
      error.name = 'ProvisionedThroughputExceededException';
      return Promise.reject(error);
    }
    return send(command, ...rest);
  }) as never);
  return { failed: () => failed };
}

async function effectsOf(tenantId: string, agentId: string) {
  const instance = (await h.bindings.connectConfig(tenantId))?.instanceArn ?? '';
  return {
    status: (await h.deps.store.get(tenantId, agentId))?.status ?? 'offline',
    log: (await h.deps.store.readLog(tenantId, agentId, '2026-01-01', '2027-01-01')).map((e) => `${e.from}>${e.to}`),
    sessions: (await h.deps.store.listSessions(tenantId, agentId, '2026-01-01', '2027-01-01')).map((s) =>
      s.endedAt ? 'ended' : 'open',
    ),
    sync: (await h.syncQueue.pending(instance, Number.MAX_SAFE_INTEGER, 100)).map((i) => `${i.agent}:${i.status}`),
  };
}

describe("a status change's side effects survive a failure", () => {
  it.each(['log', 'session', 'sync'] as const)(
    'a failed %s write saves nothing; the retry saves the change and every effect exactly once',
    async (effect) => {
      // Prepare
      const injected = failNextWriteOf(effect);

      // Act: the first try fails, as a REST call would (the caller may retry), then the retry.
      await expect(setOwnStatus(h.deps, agent, 'available')).rejects.toThrow(/capacity/);
      const afterFailure = await effectsOf(tenant, 'a1');
      await setOwnStatus(h.deps, agent, 'available');

      // Assess
      expect(injected.failed()).toBe(1);
      expect(afterFailure).toEqual({ status: 'offline', log: [], sessions: [], sync: [] });
      expect(await effectsOf(tenant, 'a1')).toEqual({
        status: 'available',
        log: ['offline>available'],
        sessions: ['open'],
        sync: ['a1:available'],
      });
    },
  );

  it('ending a session: a failed write saves nothing, the retried sweep ends it exactly once', async () => {
    await setOwnStatus(h.deps, agent, 'available');
    await h.deps.presence.touch(tenant, 'a1', h.clock.now(), h.clock.now() + 1000, 0);
    h.clock.advance(5_000);
    failNextWriteOf('session');

    await expect(sweepInactive(h.deps)).rejects.toThrow(/capacity/);
    expect((await effectsOf(tenant, 'a1')).sessions).toEqual(['open']);
    h.clock.advance(1_000);
    expect(await sweepInactive(h.deps)).toMatchObject({ setOffline: 1 });

    expect(await effectsOf(tenant, 'a1')).toEqual({
      status: 'offline',
      log: ['offline>available', 'available>offline'],
      sessions: ['ended'],
      sync: ['a1:offline'],
    });
  });

  it('a redelivered agent event whose effects failed is applied, not judged a duplicate', async () => {
    const instance = (await h.bindings.connectConfig(tenant))?.instanceArn ?? '';
    const data = agentEvent({ instanceArn: instance, user: 'a1', type: 'LOGIN', at: new Date(h.clock.now()) });
    const batch = {
      Records: [{ kinesis: { sequenceNumber: '1', data: Buffer.from(JSON.stringify(data)).toString('base64') } }],
    } as unknown as KinesisStreamEvent;
    failNextWriteOf('log');

    const first = await agentEventConsumer(h.deps)(batch, {} as Context);
    const second = await agentEventConsumer(h.deps)(batch, {} as Context);
    const third = await agentEventConsumer(h.deps)(batch, {} as Context);

    expect(first).toEqual({ batchItemFailures: [{ itemIdentifier: '1' }] });
    expect(second).toEqual({ batchItemFailures: [] });
    expect(third).toEqual({ batchItemFailures: [] });
    // Connect's own statuses are never queued back to it: no sync item, but the log and the session exactly once.
    expect(await effectsOf(tenant, 'a1')).toEqual({
      status: 'idle',
      log: ['offline>idle'],
      sessions: ['open'],
      sync: [],
    });
  });

  it('what follows the commit never fails a saved change: pushes, the worker start and request cancels are best effort', async () => {
    const warnings: string[] = [];
    const connect = h.deps.connect;
    if (!connect) throw new Error('the harness needs connect: true');
    const deps = {
      ...h.deps,
      connect: {
        instanceFor: (tenantId: string) => connect.instanceFor(tenantId),
        draining: (instanceArn: string) => connect.draining(instanceArn),
        kick: async () => Promise.reject(new Error('Lambda throttled')),
      },
      feed: { publish: async () => Promise.reject(new Error('feed down')) },
      events: { publish: async () => Promise.reject(new Error('bus down')) },
      warn: (message: string) => void warnings.push(message),
    };

    const online = await setOwnStatus(deps, agent, 'available');
    h.clock.advance(1_000);
    const offline = await setOwnStatus(deps, agent, 'offline');

    expect(online).toMatchObject({ kind: 'applied', record: { status: 'available' } });
    expect(offline).toMatchObject({ kind: 'applied', record: { status: 'offline' } });
    expect(await effectsOf(tenant, 'a1')).toEqual({
      status: 'offline',
      log: ['offline>available', 'available>offline'],
      sessions: ['ended'],
      sync: ['a1:offline'],
    });
    expect(warnings).toEqual(
      expect.arrayContaining([
        'Connect worker start failed after the status was saved',
        'session-ended event failed after the status was saved',
        'status feed publish failed after the status was saved',
      ]),
    );
  });
});
