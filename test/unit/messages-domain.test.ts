import { describe, expect, it } from 'vitest';
import type { AgentDirectory, AgentProfile, DirectoryMember, GroupKind } from '../../functions/domain/directory.ts';
import { inboxCursor, selectForSync } from '../../functions/domain/inbox.ts';
import type { InboxEntry } from '../../functions/domain/message-model.ts';
import {
  mergeRecipients,
  messageIdFor,
  previewRecipients,
  requestHash,
  resolveRecipients,
} from '../../functions/domain/message-recipients.ts';

/** An in-memory directory whose group pages are small, so resolution has to follow cursors. */
function fakeDirectory(profiles: AgentProfile[], pageSize = 2): AgentDirectory & { pagesServed: number } {
  const members = (tenant: string, kind: GroupKind, value: string): DirectoryMember[] =>
    profiles
      .filter((p) => p.tenant === tenant)
      .filter((p) =>
        kind === 'team'
          ? p.team === value
          : (kind === 'queue' ? p.queues : kind === 'campaign' ? p.campaigns : p.lists).includes(value),
      )
      .map((p) => ({ agentId: p.agentId, displayName: p.displayName }))
      .sort((a, b) => a.agentId.localeCompare(b.agentId));
  const fake = {
    pagesServed: 0,
    get: async (t: string, id: string) => profiles.find((p) => p.tenant === t && p.agentId === id),
    getMany: async (t: string, ids: readonly string[]) =>
      profiles.filter((p) => p.tenant === t && ids.includes(p.agentId)),
    put: async () => undefined,
    putMany: async () => undefined,
    delete: async () => undefined,
    syncFromConnect: async () => undefined,
    listAgents: async () => ({ items: [] }),
    listMembers: async () => ({ agentIds: [] }),
    listGroup: async (t: string, kind: GroupKind, value: string, page?: { cursor?: string; limit?: number }) => {
      fake.pagesServed++;
      const all = members(t, kind, value);
      const start = Number(page?.cursor ?? 0);
      const size = Math.min(pageSize, page?.limit ?? pageSize);
      const items = all.slice(start, start + size);
      return start + size < all.length ? { items, cursor: String(start + size) } : { items };
    },
  };
  return fake;
}

const agent = (tenant: string, agentId: string, extra: Partial<AgentProfile> = {}): AgentProfile => ({
  tenant,
  agentId,
  displayName: `Agent ${agentId}`,
  queues: [],
  campaigns: [],
  lists: [],
  ...extra,
});

const none = { agentIds: [], teams: [], queues: [], campaigns: [], lists: [] };

describe('recipient resolution', () => {
  const directory = fakeDirectory([
    agent('acme', 'a1', { team: 'red', queues: ['sales'] }),
    agent('acme', 'a2', { team: 'red' }),
    agent('acme', 'a3', { team: 'red', lists: ['vip'] }),
    agent('acme', 'a4', { queues: ['sales'], campaigns: ['spring'] }),
    agent('acme', 'a5', { lists: ['vip'] }),
    agent('globex', 'g1', { team: 'red', queues: ['sales'] }),
  ]);

  it('combines explicit ids and groups, de-duplicates, sorts by id and follows group pages', async () => {
    const out = await resolveRecipients({ directory }, 'acme', {
      ...none,
      agentIds: ['a5', 'a1', 'a1'],
      teams: ['red'],
      queues: ['sales'],
      lists: ['vip'],
    });
    expect(out.recipients.map((r) => r.agentId)).toEqual(['a1', 'a2', 'a3', 'a4', 'a5']);
    expect(out.recipients[0]?.displayName).toBe('Agent a1');
    expect(out.unknownIds).toEqual([]);
    // team red has 3 members with pages of 2: two pages for it alone.
    expect(directory.pagesServed).toBeGreaterThanOrEqual(4);
  });

  it("never reaches another tenant's agents: their ids are unknown, their groups are separate", async () => {
    const out = await resolveRecipients({ directory }, 'acme', { ...none, agentIds: ['g1', 'a2'], teams: ['red'] });
    expect(out.recipients.map((r) => r.agentId)).toEqual(['a1', 'a2', 'a3']);
    expect(out.unknownIds).toEqual(['g1']);
  });

  it('preview names the single recipient, or counts and lists the first ones', async () => {
    const one = await previewRecipients(
      { directory },
      { tenant: 'acme', user: 's', role: 'supervisor' },
      {
        ...none,
        campaigns: ['spring'],
      },
    );
    expect(one).toMatchObject({ count: 1, recipient: { agentId: 'a4', displayName: 'Agent a4' } });
    const many = await previewRecipients(
      { directory },
      { tenant: 'acme', user: 's', role: 'supervisor' },
      { ...none, teams: ['red'], agentIds: ['nobody'] },
      2,
    );
    expect(many.count).toBe(3);
    expect(many.recipient).toBeNull();
    expect(many.recipients.map((r) => r.agentId)).toEqual(['a1', 'a2']);
    expect(many.unknownIds).toEqual(['nobody']);
  });

  it('mergeRecipients keeps the first name seen per id', () => {
    const merged = mergeRecipients(
      [{ agentId: 'b', displayName: 'B1' }],
      [
        { agentId: 'a', displayName: 'A' },
        { agentId: 'b', displayName: 'B2' },
      ],
    );
    expect(merged).toEqual([
      { agentId: 'a', displayName: 'A' },
      { agentId: 'b', displayName: 'B1' },
    ]);
  });
});

describe('message ids and request hashes', () => {
  it('the same idempotency key of the same sender and tenant maps to the same id; anything else differs', () => {
    const id = messageIdFor('acme', 'sam', 'k1');
    expect(id).toMatch(/^[0-9a-f]{32}$/);
    expect(messageIdFor('acme', 'sam', 'k1')).toBe(id);
    expect(messageIdFor('acme', 'sue', 'k1')).not.toBe(id);
    expect(messageIdFor('globex', 'sam', 'k1')).not.toBe(id);
    expect(messageIdFor('acme', 'sam', undefined)).not.toBe(messageIdFor('acme', 'sam', undefined));
  });

  it('the request hash ignores selector order and duplicates but not the text', () => {
    const a = requestHash('hi', { ...none, agentIds: ['x', 'y'], teams: ['t'] });
    expect(requestHash('hi', { ...none, agentIds: ['y', 'x', 'x'], teams: ['t'] })).toBe(a);
    expect(requestHash('hi!', { ...none, agentIds: ['x', 'y'], teams: ['t'] })).not.toBe(a);
    expect(requestHash('hi', { ...none, agentIds: ['x'], teams: ['t'] })).not.toBe(a);
  });
});

describe('inbox cursors and the sync rule', () => {
  const entry = (messageId: string, writeMs: number, readAt?: string): InboxEntry => ({
    tenant: 'acme',
    agentId: 'a1',
    agentName: 'A1',
    messageId,
    text: `text ${messageId}`,
    from: { id: 's', name: 'S' },
    sentAt: new Date(writeMs).toISOString(),
    cursor: inboxCursor(writeMs, messageId),
    expiresAt: 0,
    ...(readAt ? { readAt } : {}),
  });

  it('cursors order by inbox write time, then by id, as plain strings', () => {
    expect(inboxCursor(5, 'b') < inboxCursor(10, 'a')).toBe(true);
    expect(inboxCursor(10, 'a') < inboxCursor(10, 'b')).toBe(true);
    expect(inboxCursor(999_999_999_999, 'z') < inboxCursor(1_000_000_000_000, 'a')).toBe(true);
  });

  it('a fresh client gets everything in cursor order and the highest cursor', () => {
    const out = selectForSync([entry('m2', 200), entry('m1', 100, 'r')], undefined);
    expect(out.messages.map((m) => m.id)).toEqual(['m1', 'm2']);
    expect(out.unread).toBe(1);
    expect(out.cursor).toBe(inboxCursor(200, 'm2'));
  });

  it('an entry that lands late with an older cursor is still returned (the classic lost-message race)', () => {
    // The client synced after m2 (cursor 200) was written; m1's slow write, stamped 150, lands afterwards.
    const since = inboxCursor(200, 'm2');
    const out = selectForSync([entry('m1', 150), entry('m2', 200), entry('m0', 50, 'read')], since);
    expect(out.messages.map((m) => m.id)).toEqual(['m1', 'm2']);
    expect(out.messages.find((m) => m.id === 'm0')).toBeUndefined();
    expect(out.cursor).toBe(since);
  });

  it('read entries newer than the cursor are returned (read on another device), older read ones are not', () => {
    const since = inboxCursor(100, 'm1');
    const out = selectForSync([entry('m1', 100, 'r'), entry('m2', 200, 'r')], since);
    expect(out.messages.map((m) => [m.id, m.read])).toEqual([['m2', true]]);
    expect(out.unread).toBe(0);
    expect(out.cursor).toBe(inboxCursor(200, 'm2'));
  });

  it('an empty inbox keeps the client cursor', () => {
    expect(selectForSync([], 'x')).toEqual({ messages: [], unread: 0, cursor: 'x' });
    expect(selectForSync([], undefined)).toEqual({ messages: [], unread: 0, cursor: null });
  });
});
