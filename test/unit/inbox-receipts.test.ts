import { describe, expect, it } from 'vitest';
import { INLINE_DELIVERED_MARKS, syncInbox } from '../../functions/domain/inbox.ts';
import type { InboxEntry } from '../../functions/domain/message-model.ts';
import type { DeliveredReceipts, InboxRepository } from '../../functions/domain/message-ports.ts';

const agent = { tenant: 'acme', user: 'alice', role: 'agent' as const };

function entries(n: number, delivered = 0): InboxEntry[] {
  return Array.from({ length: n }, (_, i) => ({
    tenant: 'acme',
    agentId: 'alice',
    agentName: 'Alice',
    messageId: i.toString(16).padStart(32, '0'),
    text: `m${i}`,
    from: { id: 'sam', name: 'Sam' },
    sentAt: '2026-11-21T10:00:00.000Z',
    cursor: `${String(1_000 + i).padStart(13, '0')}-${i}`,
    expiresAt: 2_000_000_000,
    ...(i < delivered ? { deliveredAt: '2026-11-21T10:00:01.000Z' } : {}),
  }));
}

/** An inbox holding a fixed day of entries and recording the delivered marks written inline. */
function fakeInbox(day: InboxEntry[]) {
  const inline: string[][] = [];
  const inbox = {
    listToday: async () => day,
    markDelivered: async (_t: string, _a: string, ids: readonly string[]) => {
      inline.push([...ids]);
    },
  } as unknown as InboxRepository;
  return { inbox, inline };
}

describe('delivered marks on sync', () => {
  it('writes a few marks inline', async () => {
    const { inbox, inline } = fakeInbox(entries(INLINE_DELIVERED_MARKS));
    const deferred: DeliveredReceipts[] = [];
    const result = await syncInbox(
      { inbox, clock: { now: () => 5_000 }, receipts: { markDeliveredLater: async (r) => void deferred.push(r) } },
      agent,
      undefined,
    );
    expect(result.messages).toHaveLength(INLINE_DELIVERED_MARKS);
    expect(inline.flat()).toHaveLength(INLINE_DELIVERED_MARKS);
    expect(deferred).toEqual([]);
  });

  it('hands a reconnect with hundreds of undelivered messages to the receipts worker, only those not yet delivered', async () => {
    const { inbox, inline } = fakeInbox(entries(500, 100));
    const deferred: DeliveredReceipts[] = [];
    const result = await syncInbox(
      { inbox, clock: { now: () => 5_000 }, receipts: { markDeliveredLater: async (r) => void deferred.push(r) } },
      agent,
      undefined,
    );
    expect(result.messages).toHaveLength(500);
    expect(inline).toEqual([]);
    expect(deferred).toHaveLength(1);
    expect(deferred[0]).toMatchObject({ tenant: 'acme', agentId: 'alice', atMs: 5_000 });
    expect(deferred[0]?.messageIds).toHaveLength(400);
  });

  it('marks inline when no worker is wired (tests, tools)', async () => {
    const { inbox, inline } = fakeInbox(entries(60));
    await syncInbox({ inbox, clock: { now: () => 5_000 } }, agent, undefined);
    expect(inline.flat()).toHaveLength(60);
  });
});
