import * as z from 'zod';
import { USER_ID_PATTERN } from './ids.ts';
import { pure } from './pure.ts';
import type { AgentStatus, ContactSummary, StatusCode } from './status.ts';

/**
 * Amazon Connect Agent Event Stream records. Only the fields this system reads are declared; everything else is
 * tolerated (`loose`) because Connect adds fields over time and a stricter schema would turn a harmless addition into
 * skipped records.
 */
const named = /*@__PURE__*/ pure(() => z.object({ ARN: z.string().optional(), Name: z.string().nullish() }).loose());

const contactSchema = /*@__PURE__*/ pure(() =>
  z
    .object({
      ContactId: z.string().min(1),
      InitialContactId: z.string().nullish(),
      Channel: z.string().default('VOICE'),
      State: z.string().min(1),
      StateStartTimestamp: z.string().nullish(),
      Queue: named.nullish(),
    })
    .loose(),
);

const concurrencySchema = /*@__PURE__*/ pure(() =>
  z.object({ Channel: z.string(), AvailableSlots: z.number().int(), MaximumSlots: z.number().int() }).loose(),
);

const snapshotSchema = /*@__PURE__*/ pure(() =>
  z
    .object({
      AgentStatus: z
        .object({ ARN: z.string().nullish(), Name: z.string().nullish(), Type: z.string().nullish() })
        .loose()
        .nullish(),
      NextAgentStatus: z.object({ Name: z.string().nullish(), ARN: z.string().nullish() }).loose().nullish(),
      Configuration: z
        .object({
          FirstName: z.string().nullish(),
          LastName: z.string().nullish(),
          // The agent id in every key of the tenant: exactly a user id, or the record is bad input.
          Username: z.string().regex(USER_ID_PATTERN, 'a user id (1-128 letters, digits or . _ @ + -)'),
          AgentHierarchyGroups: z.record(z.string(), named.nullish()).nullish(),
          RoutingProfile: z
            .object({
              InboundQueues: z.array(named).nullish(),
              Concurrency: z.array(concurrencySchema).nullish(),
            })
            .loose()
            .nullish(),
        })
        .loose(),
      Contacts: z.array(contactSchema).nullish(),
    })
    .loose(),
);

export const agentEventSchema = /*@__PURE__*/ pure(() =>
  z
    .object({
      AgentARN: z.string().regex(/\/agent\/[^/]+$/, 'an agent ARN ends in /agent/<user id>'),
      EventId: z.string().min(1),
      EventTimestamp: z.string().refine((s) => !Number.isNaN(Date.parse(s)), 'not an ISO 8601 timestamp'),
      EventType: z.string().min(1),
      InstanceARN: z
        .string()
        .regex(/^arn:aws[a-z-]*:connect:[a-z0-9-]+:\d{12}:instance\/[0-9a-f-]{36}$/, 'a Connect instance ARN'),
      // Connect sends the snapshot with every event type, LOGOUT included; without it the agent id is unknown.
      CurrentAgentSnapshot: snapshotSchema,
      // Only the contacts of the previous snapshot matter (to spot newly offered contacts); it is absent on LOGIN.
      PreviousAgentSnapshot: z
        .object({ Contacts: z.array(contactSchema).nullish() })
        .loose()
        .nullish(),
    })
    .loose()
    .refine((e) => e.AgentARN.startsWith(`${e.InstanceARN}/agent/`), {
      message: 'the AgentARN is not an agent of the InstanceARN',
      path: ['AgentARN'],
    }),
);

export type AgentEvent = z.output<typeof agentEventSchema>;
export type AgentSnapshot = z.output<typeof snapshotSchema>;

export const RINGING_STATES = ['INCOMING', 'PENDING', 'CONNECTING'] as const;
export const CONNECTED_STATES = ['CONNECTED', 'CONNECTED_ONHOLD'] as const;
export const AFTER_CONTACT_STATES = ['ENDED'] as const;
export const FAILED_STATES = ['MISSED', 'REJECTED', 'ERROR'] as const;
export const CONTACT_STATES = [...RINGING_STATES, ...CONNECTED_STATES, ...AFTER_CONTACT_STATES, ...FAILED_STATES];

const has = (list: readonly string[], value: string) => list.includes(value);

/** The agent's Connect user id: the last segment of the AgentARN. */
export const connectUserIdOf = (agentArn: string): string => agentArn.slice(agentArn.lastIndexOf('/') + 1);
/** The Connect agent-status id: the last segment of an agent-state ARN. */
export const connectStatusIdOf = (arn: string | null | undefined): string | undefined =>
  arn ? arn.slice(arn.lastIndexOf('/') + 1) : undefined;

/** Maps a Connect CUSTOM agent status (by id or name) to one of the tenant's status codes, when it knows it. */
export type CustomStatusResolver = (status: {
  id?: string | undefined;
  name?: string | undefined;
}) => StatusCode | undefined;

export interface DerivedStatus {
  readonly status: StatusCode;
  /** Contacts the agent holds: ringing, connected, on hold or in after-contact work (missed/rejected do not count). */
  readonly contacts: number;
  readonly currentContact?: ContactSummary;
  readonly nextStatus?: string;
}

/**
 * Derives the automatic status from an agent event. First match wins:
 *
 * | # | condition                                                                      | status           |
 * |---|--------------------------------------------------------------------------------|------------------|
 * | 1 | LOGOUT, or AgentStatus.Type OFFLINE while holding no contact                    | offline          |
 * | 2 | a contact INCOMING, PENDING or CONNECTING                                       | ringing          |
 * | 3 | NextAgentStatus set while holding a contact                                     | finishing        |
 * | 4 | a VOICE contact CONNECTED/CONNECTED_ONHOLD, or one connected contact on a single-slot profile | in-call |
 * | 5 | multi-slot profile, ≥1 contact held, every channel's AvailableSlots is 0        | full-capacity    |
 * | 6 | multi-slot profile, a contact CONNECTED/CONNECTED_ONHOLD, slots left            | under-capacity   |
 * | 7 | a contact ENDED (after-contact work)                                            | wrap-up          |
 * | 8 | a contact MISSED, REJECTED or ERROR (Connect stops routing until the agent acts) | inactive        |
 * | 9 | AgentStatus.Type ROUTABLE                                                       | idle             |
 * |10 | AgentStatus.Type CUSTOM that the tenant maps to one of its statuses             | that status      |
 * |11 | anything else (CUSTOM unmapped, missing status)                                 | not-ready        |
 *
 * Why this order: what needs a supervisor's attention soonest comes first (a ringing contact), then what the agent is
 * doing. Voice takes the agent's full attention, so it reads "In a call" even on a multi-channel profile; on chat-heavy
 * profiles the capacity says more than "in a call" does. "Multi-slot" means the routing profile allows more than one
 * concurrent contact in total.
 */
export function deriveStatus(event: AgentEvent, resolveCustom: CustomStatusResolver = () => undefined): DerivedStatus {
  const snapshot = event.CurrentAgentSnapshot;
  if (event.EventType === 'LOGOUT') return { status: 'offline', contacts: 0 };
  const contacts = snapshot.Contacts ?? [];
  const ringing = contacts.filter((c) => has(RINGING_STATES, c.State));
  const connected = contacts.filter((c) => has(CONNECTED_STATES, c.State));
  const ended = contacts.filter((c) => has(AFTER_CONTACT_STATES, c.State));
  const failed = contacts.filter((c) => has(FAILED_STATES, c.State));
  const held = ringing.length + connected.length + ended.length;
  const current = ringing[0] ?? connected[0] ?? ended[0] ?? failed[0];
  const nextStatus = snapshot.NextAgentStatus?.Name ?? undefined;
  const base = {
    contacts: held,
    ...(current ? { currentContact: summarize(current) } : {}),
    ...(nextStatus ? { nextStatus } : {}),
  };
  const type = snapshot.AgentStatus?.Type ?? undefined;
  const concurrency = snapshot.Configuration.RoutingProfile?.Concurrency ?? [];
  const totalSlots = concurrency.reduce((n, c) => n + Math.max(0, c.MaximumSlots), 0);
  const multiSlot = totalSlots > 1;
  const noSlotLeft = concurrency.length > 0 && concurrency.every((c) => c.MaximumSlots <= 0 || c.AvailableSlots <= 0);

  if (type === 'OFFLINE' && held === 0) return { ...base, status: 'offline' };
  if (ringing.length > 0) return { ...base, status: 'ringing' };
  if (nextStatus && held > 0) return { ...base, status: 'finishing' };
  if (connected.some((c) => c.Channel === 'VOICE') || (!multiSlot && connected.length > 0))
    return { ...base, status: 'in-call' };
  if (multiSlot && held > 0 && noSlotLeft) return { ...base, status: 'full-capacity' };
  if (multiSlot && connected.length > 0) return { ...base, status: 'under-capacity' };
  if (ended.length > 0) return { ...base, status: 'wrap-up' };
  if (failed.length > 0) return { ...base, status: 'inactive' };
  if (type === 'ROUTABLE') return { ...base, status: 'idle' };
  if (type === 'CUSTOM') {
    const mapped = resolveCustom({
      id: connectStatusIdOf(snapshot.AgentStatus?.ARN),
      name: snapshot.AgentStatus?.Name ?? undefined,
    });
    if (mapped) return { ...base, status: mapped };
  }
  return { ...base, status: 'not-ready' };
}

function summarize(c: z.output<typeof contactSchema>): ContactSummary {
  return {
    contactId: c.ContactId,
    channel: c.Channel,
    state: c.State,
    ...(c.Queue?.Name ? { queue: c.Queue.Name } : {}),
    ...(c.StateStartTimestamp ? { since: c.StateStartTimestamp } : {}),
  };
}

/** Contact ids newly offered (INCOMING/CONNECTING/PENDING now, not in that state in the previous snapshot). */
export function offeredContacts(event: AgentEvent, knownRinging: readonly string[] = []): ContactSummary[] {
  const before = new Set([
    ...(event.PreviousAgentSnapshot?.Contacts ?? [])
      .filter((c) => has(RINGING_STATES, c.State))
      .map((c) => c.ContactId),
    ...knownRinging,
  ]);
  return (event.CurrentAgentSnapshot.Contacts ?? [])
    .filter((c) => has(RINGING_STATES, c.State) && !before.has(c.ContactId))
    .map(summarize);
}

/** The directory's Connect-owned fields from a snapshot: team = the deepest hierarchy level, queues = inbound queues. */
export function connectProfile(event: AgentEvent): {
  team?: string;
  queues: string[];
  connectUserId: string;
  displayName?: string;
} {
  const config = event.CurrentAgentSnapshot.Configuration;
  const groups = config.AgentHierarchyGroups ?? {};
  let team: string | undefined;
  // The deepest level is the most specific group (Level1 is usually the site or the whole organisation).
  for (const level of ['Level1', 'Level2', 'Level3', 'Level4', 'Level5']) {
    const name = groups[level]?.Name;
    if (name) team = name;
  }
  const queues = (config.RoutingProfile?.InboundQueues ?? [])
    // Per-agent queues (…/queue/agent/…) are plumbing, not a queue a supervisor filters by.
    .filter((q) => q.Name && !q.ARN?.includes('/queue/agent/'))
    .map((q) => q.Name as string);
  const displayName = [config.FirstName, config.LastName].filter(Boolean).join(' ') || undefined;
  return {
    ...(team ? { team } : {}),
    queues: [...new Set(queues)].sort(),
    connectUserId: connectUserIdOf(event.AgentARN),
    ...(displayName ? { displayName } : {}),
  };
}

export type EventVerdict = 'apply' | 'duplicate' | 'stale';

/**
 * Ordering and deduplication: Connect guarantees order only per shard and keeps sending for an hour after logout.
 * An event is applied only if it is newer than the newest applied one; an event at the same millisecond is applied
 * unless its id was already seen (two distinct events may share a timestamp).
 */
export function eventVerdict(record: Pick<AgentStatus, 'aes'> | undefined, eventId: string, ts: number): EventVerdict {
  const seen = record?.aes;
  if (!seen) return 'apply';
  if (seen.ids.includes(eventId)) return 'duplicate';
  if (ts < seen.ts) return 'stale';
  return 'apply';
}

/** The ids remembered for dedupe after applying an event at `ts` (only ids at the newest timestamp matter). */
export function nextSeen(record: Pick<AgentStatus, 'aes'> | undefined, eventId: string, ts: number) {
  const ids = record?.aes && record.aes.ts === ts ? [...record.aes.ids, eventId].slice(-5) : [eventId];
  return { ts, ids };
}
