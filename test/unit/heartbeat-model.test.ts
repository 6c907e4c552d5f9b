import { describe, expect, it } from 'vitest';
import {
  type AgentCandidate,
  estimateMos,
  HEARTBEAT_ID_PATTERN,
  type HeartbeatConfig,
  heartbeatIdPrefix,
  heartbeatScheduleName,
  newHeartbeatId,
  selectFreeAgents,
  toFlowReply,
  verdict,
  withinWindow,
} from '../../functions/domain/heartbeat-model.ts';
import {
  contactFlowEventSchema,
  heartbeatConfigBodySchema,
  heartbeatLinesSchema,
  listHeartbeatsQuerySchema,
  outcomeParametersSchema,
} from '../../functions/domain/heartbeat-schemas.ts';

const NOW = Date.parse('2026-11-27T12:00:00.000Z');
const FLOW = '1b0e6b2a-3c4d-4e5f-8a9b-0c1d2e3f4a5b';
const config: HeartbeatConfig = {
  enabled: true,
  cadenceMinutes: 60,
  window: { fromHour: 8, toHour: 18, days: ['MON', 'TUE', 'WED', 'THU', 'FRI'] },
  contactFlowId: FLOW,
  maxConcurrent: 2,
};

describe('free-agent selection', () => {
  const free: AgentCandidate = { agent: 'a', status: 'available', contacts: 0, onlineUntil: NOW + 30_000 };
  const rule = { nowMs: NOW, cadenceMs: 3_600_000, limit: 10 };

  it('takes Available agents with no contact, online, not under test and not tested within the cadence', () => {
    const candidates: AgentCandidate[] = [
      free,
      { ...free, agent: 'busy', status: 'busy' },
      { ...free, agent: 'connect-idle', status: 'idle' },
      { ...free, agent: 'ringing', status: 'ringing', contacts: 1 },
      { ...free, agent: 'on-contact', contacts: 1 },
      { ...free, agent: 'never-online', onlineUntil: undefined },
      { ...free, agent: 'gone-quiet', onlineUntil: NOW - 1 },
      { ...free, agent: 'under-test', activeHeartbeat: 'x' },
      { ...free, agent: 'tested-recently', lastTestedAt: NOW - 3_599_999 },
      { ...free, agent: 'tested-an-hour-ago', lastTestedAt: NOW - 3_600_000 },
    ];
    expect(selectFreeAgents(candidates, rule).map((c) => c.agent)).toEqual(['a', 'connect-idle', 'tested-an-hour-ago']);
  });

  it('prefers the least recently tested and respects the limit', () => {
    const candidates = [
      { ...free, agent: 'c', lastTestedAt: NOW - 9_000_000 },
      { ...free, agent: 'b', lastTestedAt: NOW - 5_000_000 },
      { ...free, agent: 'z' },
    ];
    expect(selectFreeAgents(candidates, { ...rule, limit: 2 }).map((c) => c.agent)).toEqual(['z', 'c']);
    expect(selectFreeAgents(candidates, { ...rule, limit: 0 })).toEqual([]);
    expect(selectFreeAgents(candidates, { ...rule, limit: -1 })).toEqual([]);
  });
});

describe('local hours window', () => {
  it('checks hours and weekdays in the tenant time zone', () => {
    // Friday 2026-11-27 12:00 UTC = 07:00 in New York (before 8), 12:00 in London, 21:00 in Tokyo.
    expect(withinWindow(config, 'Europe/London', NOW)).toBe(true);
    expect(withinWindow(config, 'America/New_York', NOW)).toBe(false);
    expect(withinWindow(config, 'Asia/Tokyo', NOW)).toBe(false);
    // 17:59 London is in, 18:00 is out (toHour is exclusive).
    expect(withinWindow(config, 'Europe/London', Date.parse('2026-11-27T17:59:00Z'))).toBe(true);
    expect(withinWindow(config, 'Europe/London', Date.parse('2026-11-27T18:00:00Z'))).toBe(false);
    // Saturday is not a configured day; Friday 23:30 UTC is already Saturday in Tokyo.
    expect(withinWindow(config, 'UTC', Date.parse('2026-11-28T12:00:00Z'))).toBe(false);
    expect(
      withinWindow(
        { ...config, window: { ...config.window, fromHour: 0, toHour: 24 } },
        'Asia/Tokyo',
        Date.parse('2026-11-27T23:30:00Z'),
      ),
    ).toBe(false);
  });
});

describe('ids and names', () => {
  it('makes time-ordered, Connect-safe heartbeat ids whose prefix bounds a period', () => {
    const id = newHeartbeatId(NOW, 'A1b2-C3d4-e5f6-0000');
    expect(id).toBe('20261127T120000000-a1b2c3d4e5');
    expect(id).toMatch(HEARTBEAT_ID_PATTERN);
    const later = newHeartbeatId(NOW + 1, '000');
    expect(later > id).toBe(true);
    expect(heartbeatIdPrefix('2026-11-27T12:00:00.000Z') <= id).toBe(true);
    expect(heartbeatIdPrefix('2026-11-27T11:59:59.999Z') < id).toBe(true);
  });

  it('names schedules deterministically within Scheduler limits', () => {
    expect(heartbeatScheduleName('acme')).toBe('heartbeat-acme');
    const long = `t${'x'.repeat(62)}`;
    const name = heartbeatScheduleName(long);
    expect(name).toMatch(/^[0-9a-zA-Z\-_.]{1,64}$/);
    expect(heartbeatScheduleName(long)).toBe(name);
    expect(heartbeatScheduleName(`${long.slice(0, 62)}y`)).not.toBe(name);
  });
});

describe('Connect replies', () => {
  it('keeps only flat string values Connect accepts', () => {
    expect(
      toFlowReply({
        ok: 'true',
        agent: 'alice',
        email: 'alice@example.com',
        score: 4.4,
        empty: '',
        nothing: undefined,
        'bad key': 'x',
        flag: true,
      }),
    ).toEqual({ ok: 'true', agent: 'alice', score: '4', flag: 'true' });
  });

  it('judges outcomes: answered with a good MOS passes, a poor MOS is degraded, no answer fails', () => {
    expect(verdict({ result: 'answered', mos: 4.2 })).toBe('passed');
    expect(verdict({ result: 'answered' })).toBe('passed');
    expect(verdict({ result: 'answered', mos: 3.2 })).toBe('degraded');
    expect(verdict({ result: 'no-answer' })).toBe('failed');
    expect(verdict({ result: 'error', mos: 4.4 })).toBe('failed');
  });

  it('estimates MOS with the E-model', () => {
    expect(estimateMos(0, 0, 0)).toBeCloseTo(4.41, 1);
    expect(estimateMos(50, 5, 10)).toBeLessThan(3.6);
    expect(estimateMos(400, 0, 0)).toBeLessThan(3.6);
  });
});

describe('heartbeat schemas', () => {
  const valid = {
    enabled: true,
    cadenceMinutes: 60,
    window: { fromHour: 8, toHour: 18 },
    contactFlowId: FLOW,
    maxConcurrent: 3,
  };

  it('accepts a config and defaults the days to the whole week', () => {
    const parsed = heartbeatConfigBodySchema.parse(valid);
    expect(parsed.window.days).toHaveLength(7);
  });

  it.each([
    ['cadence below 15 minutes', { cadenceMinutes: 5 }],
    ['a window that ends before it starts', { window: { fromHour: 18, toHour: 8 } }],
    ['an hour out of range', { window: { fromHour: 8, toHour: 25 } }],
    ['an unknown weekday', { window: { fromHour: 8, toHour: 18, days: ['FUNDAY'] } }],
    ['a contact flow that is not a Connect id', { contactFlowId: 'arn:aws:connect:x' }],
    ['a queue that is not a Connect id', { queueId: '../queue' }],
    ['more than 10 concurrent calls', { maxConcurrent: 11 }],
    ['zero concurrent calls', { maxConcurrent: 0 }],
    ['a phone number (operator-bound)', { sourcePhoneNumber: '+442071234567' }],
    ['an instance (operator-bound)', { instanceArn: 'arn:aws:connect:eu-west-2:123456789012:instance/x' }],
  ])('refuses %s', (_what, patch) => {
    expect(heartbeatConfigBodySchema.safeParse({ ...valid, ...patch }).success).toBe(false);
  });

  it('bounds result queries to an agent and at most 62 days', () => {
    const base = { agent: 'alice', from: '2026-11-01T00:00:00Z', to: '2026-11-27T00:00:00Z' };
    expect(listHeartbeatsQuerySchema.parse(base).limit).toBe(50);
    expect(listHeartbeatsQuerySchema.safeParse({ ...base, to: '2027-02-01T00:00:00Z' }).success).toBe(false);
    expect(listHeartbeatsQuerySchema.safeParse({ ...base, from: base.to, to: base.from }).success).toBe(false);
    expect(listHeartbeatsQuerySchema.safeParse({ from: base.from, to: base.to }).success).toBe(false);
  });

  it('reads outcome parameters as Connect sends them (strings)', () => {
    expect(
      outcomeParametersSchema.parse({ step: 'outcome', result: 'answered', mos: '4.21', axScore: '4', setupMs: '812' }),
    ).toEqual({ result: 'answered', mos: 4.21, axScore: 4, setupMs: 812 });
    expect(outcomeParametersSchema.safeParse({ result: 'answered', mos: '9' }).success).toBe(false);
    expect(outcomeParametersSchema.safeParse({ result: 'maybe' }).success).toBe(false);
  });

  it('requires the heartbeat attributes on a contact flow event', () => {
    const event = {
      Name: 'ContactFlowEvent',
      Details: {
        ContactData: {
          ContactId: 'c-1',
          InstanceARN: 'arn:aws:connect:us-east-1:000000000000:instance/x',
          Attributes: { hbTenant: 'acme', hbAgent: 'alice', hbId: '20261127T120000000-abc' },
          Channel: 'VOICE',
        },
        Parameters: { step: 'route' },
      },
    };
    expect(contactFlowEventSchema.safeParse(event).success).toBe(true);
    const { hbTenant: _t, ...noTenant } = event.Details.ContactData.Attributes;
    expect(
      contactFlowEventSchema.safeParse({
        ...event,
        Details: { ...event.Details, ContactData: { ...event.Details.ContactData, Attributes: noTenant } },
      }).success,
    ).toBe(false);
  });

  it('validates operator heartbeat lines', () => {
    const id = '00000000-0000-4000-8000-000000000000';
    expect(heartbeatLinesSchema.safeParse({ [id]: { destinationPhoneNumber: '+15550100100' } }).success).toBe(true);
    expect(heartbeatLinesSchema.safeParse({ [id]: { destinationPhoneNumber: '555-0100' } }).success).toBe(false);
    expect(heartbeatLinesSchema.safeParse({ 'not-an-id': { destinationPhoneNumber: '+15550100100' } }).success).toBe(
      false,
    );
  });
});
