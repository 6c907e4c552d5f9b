import { describe, expect, it } from 'vitest';
import {
  type AgentEvent,
  agentEventSchema,
  CONTACT_STATES,
  connectProfile,
  deriveStatus,
  eventVerdict,
  nextSeen,
  offeredContacts,
} from '../../functions/domain/agent-events.ts';

const ARN = 'arn:aws:connect:eu-west-2:111122223333:instance/11111111-2222-3333-4444-555555555555';

interface Opts {
  type?: string;
  statusType?: 'ROUTABLE' | 'CUSTOM' | 'OFFLINE';
  statusName?: string;
  contacts?: Array<{ id?: string; state: string; channel?: string }>;
  concurrency?: Array<{ Channel: string; AvailableSlots: number; MaximumSlots: number }>;
  next?: string;
}

function aes(o: Opts = {}): AgentEvent {
  return agentEventSchema.parse({
    AgentARN: `${ARN}/agent/aaaa-bbbb`,
    EventId: 'e1',
    EventTimestamp: '2026-11-20T09:00:00.000Z',
    EventType: o.type ?? 'STATE_CHANGE',
    InstanceARN: ARN,
    CurrentAgentSnapshot: {
      AgentStatus: {
        ARN: `${ARN}/agent-state/st-1`,
        Name: o.statusName ?? 'Available',
        Type: o.statusType ?? 'ROUTABLE',
      },
      ...(o.next ? { NextAgentStatus: { Name: o.next } } : {}),
      Configuration: {
        Username: 'a1',
        RoutingProfile: {
          Concurrency: o.concurrency ?? [{ Channel: 'VOICE', AvailableSlots: 1, MaximumSlots: 1 }],
        },
      },
      Contacts: (o.contacts ?? []).map((c, i) => ({
        ContactId: c.id ?? `c${i}`,
        Channel: c.channel ?? 'VOICE',
        State: c.state,
      })),
    },
  });
}

const voiceBusy = [{ Channel: 'VOICE', AvailableSlots: 0, MaximumSlots: 1 }];
const chat3 = (available: number) => [{ Channel: 'CHAT', AvailableSlots: available, MaximumSlots: 3 }];

describe('deriveStatus: every contact state on a single-slot voice profile', () => {
  const expected: Record<string, string> = {
    INCOMING: 'ringing',
    PENDING: 'ringing',
    CONNECTING: 'ringing',
    CONNECTED: 'in-call',
    CONNECTED_ONHOLD: 'in-call',
    ENDED: 'wrap-up',
    MISSED: 'inactive',
    REJECTED: 'inactive',
    ERROR: 'inactive',
  };
  it('covers exactly the documented states', () => {
    expect(Object.keys(expected).sort()).toEqual([...CONTACT_STATES].sort());
  });
  it.each(Object.entries(expected))('%s → %s', (state, status) => {
    const derived = deriveStatus(aes({ contacts: [{ state }], concurrency: voiceBusy }));
    expect(derived.status).toBe(status);
    expect(derived.currentContact?.state).toBe(state);
    expect(derived.contacts).toBe(['MISSED', 'REJECTED', 'ERROR'].includes(state) ? 0 : 1);
  });
});

describe('deriveStatus: concurrency, lifecycle and next status', () => {
  it.each([
    ['no contact, routable', { statusType: 'ROUTABLE' }, 'idle'],
    ['no contact, offline type', { statusType: 'OFFLINE' }, 'offline'],
    ['LOGOUT event', { type: 'LOGOUT', statusType: 'ROUTABLE' }, 'offline'],
    ['custom unmapped', { statusType: 'CUSTOM', statusName: 'Training' }, 'not-ready'],
    [
      'chat 1 of 3 connected',
      { contacts: [{ state: 'CONNECTED', channel: 'CHAT' }], concurrency: chat3(2) },
      'under-capacity',
    ],
    [
      'chat 3 of 3 connected',
      {
        contacts: ['CONNECTED', 'CONNECTED', 'CONNECTED_ONHOLD'].map((state) => ({ state, channel: 'CHAT' })),
        concurrency: chat3(0),
      },
      'full-capacity',
    ],
    [
      'chat full with one in wrap-up',
      {
        contacts: ['CONNECTED', 'CONNECTED', 'ENDED'].map((state) => ({ state, channel: 'CHAT' })),
        concurrency: chat3(0),
      },
      'full-capacity',
    ],
    [
      'voice call on a multi-channel profile',
      {
        contacts: [{ state: 'CONNECTED', channel: 'VOICE' }],
        concurrency: [...voiceBusy, ...chat3(3)],
      },
      'in-call',
    ],
    [
      'ringing beats everything',
      {
        contacts: [
          { state: 'CONNECTED', channel: 'CHAT' },
          { state: 'INCOMING', channel: 'CHAT' },
        ],
        concurrency: chat3(1),
      },
      'ringing',
    ],
    ['next status while on a contact', { contacts: [{ state: 'CONNECTED' }], next: 'Lunch' }, 'finishing'],
    ['next status without contacts', { next: 'Lunch', statusType: 'ROUTABLE' }, 'idle'],
    ['offline type while still in wrap-up', { statusType: 'OFFLINE', contacts: [{ state: 'ENDED' }] }, 'wrap-up'],
    [
      'missed while on another chat',
      {
        contacts: [
          { state: 'CONNECTED', channel: 'CHAT' },
          { state: 'MISSED', channel: 'CHAT' },
        ],
        concurrency: chat3(1),
      },
      'under-capacity',
    ],
  ] as const)('%s', (_name, opts, status) => {
    expect(deriveStatus(aes(opts as Opts)).status).toBe(status);
  });

  it('maps a Connect CUSTOM status through the tenant resolver (by id, then name)', () => {
    const event = aes({ statusType: 'CUSTOM', statusName: 'Lunch' });
    expect(deriveStatus(event, ({ id }) => (id === 'st-1' ? 'reason:lunch' : undefined)).status).toBe('reason:lunch');
  });

  it('reports the next status and the contact counts', () => {
    const d = deriveStatus(aes({ contacts: [{ state: 'CONNECTED' }, { state: 'ENDED', id: 'x' }], next: 'Lunch' }));
    expect(d).toMatchObject({
      status: 'finishing',
      contacts: 2,
      nextStatus: 'Lunch',
      currentContact: { contactId: 'c0' },
    });
  });
});

describe('ordering and duplicates', () => {
  it('applies a first event, skips a duplicate id and an older timestamp, applies a newer one', () => {
    expect(eventVerdict(undefined, 'e1', 1000)).toBe('apply');
    const seen = { aes: nextSeen(undefined, 'e1', 1000) };
    expect(eventVerdict(seen, 'e1', 1000)).toBe('duplicate');
    expect(eventVerdict(seen, 'e0', 999)).toBe('stale');
    expect(eventVerdict(seen, 'e2', 1000)).toBe('apply');
    expect(eventVerdict(seen, 'e3', 1001)).toBe('apply');
  });
  it('remembers the ids of the newest millisecond only', () => {
    const a = nextSeen(undefined, 'e1', 1000);
    const b = nextSeen({ aes: a }, 'e2', 1000);
    expect(b.ids).toEqual(['e1', 'e2']);
    expect(nextSeen({ aes: b }, 'e3', 1001).ids).toEqual(['e3']);
  });
});

describe('profile and offered contacts', () => {
  it('takes the deepest hierarchy level as team and skips per-agent queues', () => {
    const event = agentEventSchema.parse({
      ...aes(),
      CurrentAgentSnapshot: {
        ...aes().CurrentAgentSnapshot,
        Configuration: {
          Username: 'a1',
          FirstName: 'Ada',
          LastName: 'Lovelace',
          AgentHierarchyGroups: { Level1: { Name: 'Site A' }, Level2: { Name: 'Team Blue' } },
          RoutingProfile: {
            InboundQueues: [
              { ARN: `${ARN}/queue/q1`, Name: 'Sales' },
              { ARN: `${ARN}/queue/agent/aaaa`, Name: null },
              { ARN: `${ARN}/queue/q2`, Name: 'Billing' },
            ],
          },
          SomeNewField: true,
        },
      },
    });
    expect(connectProfile(event)).toEqual({
      team: 'Team Blue',
      queues: ['Billing', 'Sales'],
      connectUserId: 'aaaa-bbbb',
      displayName: 'Ada Lovelace',
    });
  });
  it('offers only contacts newly ringing', () => {
    const event = {
      ...aes({
        contacts: [
          { id: 'new', state: 'INCOMING' },
          { id: 'old', state: 'CONNECTING' },
        ],
      }),
    };
    const withPrev = agentEventSchema.parse({
      ...event,
      PreviousAgentSnapshot: { Contacts: [{ ContactId: 'old', State: 'INCOMING' }] },
    });
    expect(offeredContacts(withPrev).map((c) => c.contactId)).toEqual(['new']);
  });
});
