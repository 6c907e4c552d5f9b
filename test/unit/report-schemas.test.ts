import { describe, expect, it } from 'vitest';
import { REPORT_CATEGORIES, REPORT_CATEGORY_LABELS, REPORT_SEVERITIES } from '../../functions/domain/report-model.ts';
import {
  exportReportsQuerySchema,
  listReportsQuerySchema,
  reportBodySchema,
  reportFrameSchema,
  toReportInput,
} from '../../functions/domain/report-schemas.ts';

const minimal = { category: 'poor-sound-quality', severity: 'minor' };
const issuesOf = (input: unknown) => {
  const result = reportBodySchema.safeParse(input);
  return result.success ? [] : result.error.issues.map((i) => i.path.join('.'));
};

describe('report body validation', () => {
  it('accepts every category and every severity, and nothing else', () => {
    expect(REPORT_CATEGORIES).toHaveLength(8);
    for (const category of REPORT_CATEGORIES)
      for (const severity of REPORT_SEVERITIES)
        expect(reportBodySchema.safeParse({ category, severity }).success, `${category}/${severity}`).toBe(true);
    expect(REPORT_SEVERITIES).toEqual(['terrible', 'difficult', 'minor']);
    expect(REPORT_CATEGORY_LABELS['missed-call']).toBe('Missed call (the softphone did not ring)');
    expect(issuesOf({ ...minimal, category: 'Poor sound quality' })).toEqual(['category']);
    expect(issuesOf({ ...minimal, severity: 'critical' })).toEqual(['severity']);
    expect(issuesOf({ severity: 'minor' })).toEqual(['category']);
    expect(issuesOf({ category: 'missed-call' })).toEqual(['severity']);
  });

  it('bounds notes in characters (not bytes), trims them and refuses control characters', () => {
    expect(issuesOf({ ...minimal, notes: 'x'.repeat(2000) })).toEqual([]);
    expect(issuesOf({ ...minimal, notes: 'x'.repeat(2001) })).toEqual(['notes']);
    // 2000 emoji are 4000 UTF-16 units but 2000 characters.
    expect(issuesOf({ ...minimal, notes: '🎧'.repeat(2000) })).toEqual([]);
    expect(issuesOf({ ...minimal, notes: 'line one\nline two\ttabbed' })).toEqual([]);
    expect(issuesOf({ ...minimal, notes: 'bell\u0007' })).toEqual(['notes']);
    expect(issuesOf({ ...minimal, notes: '   ' })).toEqual(['notes']);
    expect(reportBodySchema.parse({ ...minimal, notes: '  echo  ' }).notes).toBe('echo');
  });

  it('bounds the error shown and the client versions', () => {
    expect(issuesOf({ ...minimal, errorShown: 'e'.repeat(500) })).toEqual([]);
    expect(issuesOf({ ...minimal, errorShown: 'e'.repeat(501) })).toEqual(['errorShown']);
    expect(
      issuesOf({ ...minimal, client: { browserName: 'Chrome', browserVersion: '131.0', extensionVersion: '2.4.1' } }),
    ).toEqual([]);
    expect(issuesOf({ ...minimal, client: { browserVersion: 'v'.repeat(65) } })).toEqual(['client.browserVersion']);
    expect(issuesOf({ ...minimal, client: { extensionVersion: '' } })).toEqual(['client.extensionVersion']);
    expect(issuesOf({ ...minimal, client: { os: 'Linux' } })).toEqual(['client']);
  });

  it('takes CPU and memory utilisation as percentages 0-100', () => {
    expect(issuesOf({ ...minimal, system: { cpuPercent: 0, memoryPercent: 100 } })).toEqual([]);
    expect(issuesOf({ ...minimal, system: { cpuPercent: 37.5 } })).toEqual([]);
    expect(issuesOf({ ...minimal, system: { cpuPercent: -1 } })).toEqual(['system.cpuPercent']);
    expect(issuesOf({ ...minimal, system: { memoryPercent: 100.1 } })).toEqual(['system.memoryPercent']);
    expect(issuesOf({ ...minimal, system: { cpuPercent: '50' } })).toEqual(['system.cpuPercent']);
  });

  it('accepts the pre-fill fields of an alert, and an alert type only with its alert id', () => {
    const prefilled = {
      ...minimal,
      alertId: 'alert-01J9',
      alertType: 'network.packet-loss',
      contactId: '0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b',
      errorShown: 'Packet loss above 5 %',
    };
    expect(issuesOf(prefilled)).toEqual([]);
    expect(toReportInput(reportBodySchema.parse(prefilled))).toMatchObject({
      alertId: 'alert-01J9',
      alertType: 'network.packet-loss',
      contactId: '0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b',
      errorShown: 'Packet loss above 5 %',
    });
    expect(issuesOf({ ...minimal, alertType: 'network.packet-loss' })).toEqual(['alertType']);
    expect(issuesOf({ ...minimal, alertId: 'a#b' })).toEqual(['alertId']);
    expect(issuesOf({ ...minimal, alertId: 'a', alertType: 'bad type' })).toEqual(['alertType']);
    expect(issuesOf({ ...minimal, contactId: 'c'.repeat(129) })).toEqual(['contactId']);
    expect(issuesOf({ ...minimal, contactId: '../etc' })).toEqual(['contactId']);
  });

  it('never takes what the server establishes from the client', () => {
    expect(issuesOf({ ...minimal, team: 'blue' })).toEqual(['']);
    expect(issuesOf({ ...minimal, status: 'available' })).toEqual(['']);
    expect(issuesOf({ ...minimal, reportedAt: '2026-01-01T00:00:00Z' })).toEqual(['']);
    expect(issuesOf({ ...minimal, agent: 'bob' })).toEqual(['']);
  });

  it('takes occurredAt as an ISO instant with offset, normalised to UTC, within sane years', () => {
    expect(reportBodySchema.parse({ ...minimal, occurredAt: '2026-11-27T10:15:00+02:00' }).occurredAt).toBe(
      '2026-11-27T08:15:00.000Z',
    );
    expect(issuesOf({ ...minimal, occurredAt: '2026-11-27 10:15' })).toEqual(['occurredAt']);
    expect(issuesOf({ ...minimal, occurredAt: '1970-01-01T00:00:00Z' })).toEqual(['occurredAt']);
    expect(issuesOf({ ...minimal, occurredAt: '2150-01-01T00:00:00Z' })).toEqual(['occurredAt']);
    expect(issuesOf({ ...minimal, occurredAt: 1764236100000 })).toEqual(['occurredAt']);
  });

  it('takes a client report id only as a UUID', () => {
    expect(issuesOf({ ...minimal, clientReportId: '6a2f41a3-c54c-4c01-8a5e-2c3f1e6b7d90' })).toEqual([]);
    expect(issuesOf({ ...minimal, clientReportId: 'my-report-1' })).toEqual(['clientReportId']);
  });

  it('validates the reportIssue frame with the same fields and an optional idempotency key', () => {
    const frame = { action: 'reportIssue', id: '7', idempotencyKey: 'k-1', ...minimal, notes: 'hiss' };
    expect(reportFrameSchema.safeParse(frame).success).toBe(true);
    expect(reportFrameSchema.safeParse({ ...frame, severity: 'awful' }).success).toBe(false);
    expect(reportFrameSchema.safeParse({ ...frame, idempotencyKey: 'with space' }).success).toBe(false);
    expect(reportFrameSchema.safeParse({ ...frame, alertType: 'x' }).success).toBe(false);
  });
});

describe('report list and export queries', () => {
  it('filters by agent, team, category, severity and period, with bounded pages', () => {
    const q = listReportsQuerySchema.parse({
      agent: 'alice',
      team: 'blue',
      category: 'call-disconnected',
      severity: 'terrible',
      from: '2026-11-01T00:00:00Z',
      to: '2026-11-30T23:59:59+01:00',
      limit: '20',
    });
    expect(q).toMatchObject({ limit: 20, from: '2026-11-01T00:00:00.000Z', to: '2026-11-30T22:59:59.000Z' });
    expect(listReportsQuerySchema.parse({}).limit).toBe(50);
    for (const bad of [
      { category: 'noise' },
      { severity: 'Minor' },
      { agent: 'a#b' },
      { limit: '0' },
      { limit: '201' },
      { from: 'yesterday' },
      { from: '2026-11-02T00:00:00Z', to: '2026-11-01T00:00:00Z' },
      { colour: 'red' },
    ])
      expect(listReportsQuerySchema.safeParse(bad).success, JSON.stringify(bad)).toBe(false);
  });

  it('requires a period for an export and bounds its rows', () => {
    const period = { from: '2026-11-01T00:00:00Z', to: '2026-11-30T00:00:00Z' };
    expect(exportReportsQuerySchema.parse(period).limit).toBe(5000);
    expect(exportReportsQuerySchema.safeParse({ from: period.from }).success).toBe(false);
    expect(exportReportsQuerySchema.safeParse({ ...period, limit: '5001' }).success).toBe(false);
    expect(exportReportsQuerySchema.safeParse({ from: period.to, to: period.from }).success).toBe(false);
  });
});
