import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDocumentClient } from '../../functions/adapters/dynamo.ts';
import { DynamoMessageRepository } from '../../functions/adapters/message-repository.ts';
import { messageIdFor, requestHash } from '../../functions/domain/message-recipients.ts';
import { TABLES } from '../../lib/tables.ts';
import { type RuntimeProcess, startRuntimeProcess } from '../support/runtime.ts';
import { TestClient } from '../support/ws-client.ts';

/**
 * The recovery sweep through `npm start`: a send accepted by a runtime whose fan-out never ran (its process died with
 * the work, nothing queued) is found by the deploy-time `rate(1 minute)` schedule in the Scheduler emulator and
 * delivered; the sender is told live. Real time (about a minute): the runtime has no fake clock.
 */
describe('recovery sweep end to end', () => {
  let rt: RuntimeProcess;
  beforeAll(async () => {
    rt = await startRuntimeProcess({ SEED: 'demo' });
  });
  afterAll(async () => {
    await rt?.stop();
  });

  it('delivers a stalled send to every recipient within about a minute and tells the sender', {
    timeout: 150_000,
  }, async () => {
    // Prepare: the state a crash right after the 202 leaves — a `sending` message, no plan, no queued worker.
    const client = createDocumentClient({
      endpoint: rt.dynamodb,
      region: 'us-east-1',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    });
    const messages = DynamoMessageRepository.onTable(client, TABLES.main.id, { now: () => Date.now() });
    const to = { agentIds: [], teams: ['blue'], queues: [], campaigns: [], lists: [] };
    const id = messageIdFor('demo', 'sam', 'crashed-send');
    const stalledSince = Date.now() - 60_000;
    await messages.create({
      tenant: 'demo',
      id,
      text: 'Sent just before a crash',
      from: { id: 'sam', name: 'Sam' },
      sentAt: new Date(stalledSince).toISOString(),
      expiresAt: Math.floor(Date.now() / 1000) + 3600,
      to,
      requestHash: requestHash('Sent just before a crash', to),
      status: 'sending',
      persisted: [],
      pushed: [],
      stats: { reachedLive: 0, delivered: 0, gone: 0, failed: 0 },
      lastProgressAt: stalledSince,
      redrives: 0,
    });
    client.destroy();
    const sam = await TestClient.connect(rt.ws, await rt.token({ tenant: 'demo', user: 'sam', role: 'supervisor' }));

    // Act: nothing but waiting for the minute schedule.
    const done = await sam.waitFor((f) => f.type === 'messageStatus' && f.messageId === id, 140_000);
    await sam.close();

    // Assess: complete, one entry for each member of team blue, visible in their inboxes.
    expect(done).toMatchObject({ status: 'complete', summary: { recipients: 2 } });
    const token = await rt.token({ tenant: 'demo', user: 'sam', role: 'supervisor' });
    const report = await fetch(`${rt.http}/messages/${id}`, { headers: { authorization: `Bearer ${token}` } });
    expect(await report.json()).toMatchObject({ status: 'complete', counts: { recipients: 2 } });
    for (const agent of ['alice', 'bob']) {
      const inbox = await fetch(`${rt.http}/inbox`, {
        headers: { authorization: `Bearer ${await rt.token({ tenant: 'demo', user: agent, role: 'agent' })}` },
      });
      const ids = ((await inbox.json()) as { messages: { id: string }[] }).messages.map((m) => m.id);
      expect(ids.filter((m) => m === id)).toHaveLength(1);
    }
  });
});
