import { beforeEach, describe, expect, it } from 'vitest';
import type { AgentProfile } from '../../functions/domain/directory.ts';
import type { ServerEvent } from '../../functions/domain/notifier.ts';
import type { Principal } from '../../functions/domain/principal.ts';
import type {
  AlertFacts,
  IssueReport,
  ReportFilter,
  ReportInput,
  ReportRepository,
} from '../../functions/domain/report-model.ts';
import {
  createReport,
  EXPORT_BYTE_BUDGET,
  exportReports,
  listReports,
  type ReportCreateDeps,
} from '../../functions/domain/reports.ts';
import { DEFAULT_SETTINGS } from '../../functions/domain/settings.ts';
import type { AgentStatus, StatusLogEntry, StatusReason } from '../../functions/domain/status.ts';

const NOW = Date.parse('2026-11-27T12:00:00.000Z');
const alice: Principal = { tenant: 'acme', user: 'alice', role: 'agent', name: 'Alice from token' };
const sam: Principal = { tenant: 'acme', user: 'sam', role: 'supervisor' };
const ada: Principal = { tenant: 'acme', user: 'ada', role: 'admin' };

/** An in-memory repository with the port's contract: one report per id, lists newest first, a numeric cursor. */
class MemoryReports implements ReportRepository {
  readonly items = new Map<string, IssueReport>();
  readonly listCalls: Array<{ filter: ReportFilter; limit: number }> = [];
  async create(report: IssueReport) {
    const existing = this.items.get(`${report.tenant}/${report.id}`);
    if (existing) return existing;
    this.items.set(`${report.tenant}/${report.id}`, report);
    return undefined;
  }
  async list(tenant: string, filter: ReportFilter, page: { cursor?: string; limit: number }) {
    this.listCalls.push({ filter, limit: page.limit });
    const all = [...this.items.values()]
      .filter((r) => r.tenant === tenant && (filter.agent === undefined || r.agent === filter.agent))
      .sort((a, b) => (a.reportedAt < b.reportedAt ? 1 : -1));
    const start = Number(page.cursor ?? 0);
    const items = all.slice(start, start + page.limit);
    const next = start + page.limit;
    return next < all.length ? { items, cursor: String(next) } : { items };
  }
}

interface Harness {
  deps: ReportCreateDeps;
  reports: MemoryReports;
  pushed: Array<{ tenant: string; event: ServerEvent }>;
  warnings: string[];
  statuses: Map<string, AgentStatus>;
  log: StatusLogEntry[];
  reasons: StatusReason[];
  alerts: Map<string, AlertFacts>;
  now: { ms: number };
}

function harness(options: { withAlerts?: boolean; feedFails?: boolean } = {}): Harness {
  const reports = new MemoryReports();
  const pushed: Harness['pushed'] = [];
  const warnings: string[] = [];
  const statuses = new Map<string, AgentStatus>();
  const log: StatusLogEntry[] = [];
  const reasons: StatusReason[] = [];
  const alerts = new Map<string, AlertFacts>();
  const now = { ms: NOW };
  const profiles = new Map<string, AgentProfile>([
    [
      'acme/alice',
      {
        tenant: 'acme',
        agentId: 'alice',
        displayName: 'Alice Smith',
        team: 'blue',
        queues: ['sales', 'support'],
        campaigns: [],
        lists: [],
      },
    ],
  ]);
  const deps: ReportCreateDeps = {
    reports,
    directory: { get: async (tenant, agent) => profiles.get(`${tenant}/${agent}`) },
    statuses: {
      get: async (tenant, agent) => statuses.get(`${tenant}/${agent}`),
      lastLogBefore: async (tenant, agent, iso) =>
        log.filter((e) => e.tenant === tenant && e.agent === agent && e.at < iso).at(-1),
    },
    reasons: { list: async () => reasons },
    settings: { get: async () => ({ ...DEFAULT_SETTINGS, reports: { retentionDays: 10 } }) },
    feed: {
      publish: async (tenant, event) => {
        if (options.feedFails) throw new Error('gateway down');
        pushed.push({ tenant, event });
      },
    },
    clock: { now: () => now.ms },
    warn: (message) => warnings.push(message),
    ...(options.withAlerts
      ? { alerts: { get: async (tenant, agent, id) => alerts.get(`${tenant}/${agent}/${id}`) } }
      : {}),
  };
  return { deps, reports, pushed, warnings, statuses, log, reasons, alerts, now };
}

const status = (code: AgentStatus['status'], since: string): AgentStatus => ({
  tenant: 'acme',
  agent: 'alice',
  status: code,
  since,
  source: 'agent',
  contacts: 0,
  queues: [],
  version: 1,
});

const input: ReportInput = { category: 'call-disconnected', severity: 'difficult', notes: 'dropped twice' };

describe('creating a report', () => {
  let h: Harness;
  beforeEach(() => {
    h = harness();
  });

  it('adds what the server knows: team, queues, name, status at the time, report time and retention', async () => {
    h.statuses.set('acme/alice', status('in-call', '2026-11-27T11:50:00.000Z'));
    const { report, replayed } = await createReport(h.deps, alice, {
      ...input,
      occurredAt: '2026-11-27T11:58:00.000Z',
      cpuPercent: 91,
      memoryPercent: 64,
      browserName: 'Chrome',
      browserVersion: '131',
      extensionVersion: '2.4.1',
    });
    expect(replayed).toBe(false);
    expect(report).toMatchObject({
      agent: 'alice',
      agentName: 'Alice Smith',
      team: 'blue',
      queues: ['sales', 'support'],
      status: { code: 'in-call', label: 'In a call' },
      occurredAt: '2026-11-27T11:58:00.000Z',
      reportedAt: '2026-11-27T12:00:00.000Z',
      categoryLabel: 'Call disconnected',
      severityLabel: 'Difficult',
      system: { cpuPercent: 91, memoryPercent: 64 },
      client: { browserName: 'Chrome', browserVersion: '131', extensionVersion: '2.4.1' },
    });
    const stored = [...h.reports.items.values()][0];
    expect(stored?.expiresAt).toBe(NOW / 1000 + 10 * 86_400);
    expect(stored?.tenant).toBe('acme');
  });

  it('takes the status from the log when it changed after the problem (custom reasons by their name)', async () => {
    h.reasons.push({ id: 'lunch', name: 'Lunch', needsApproval: false, retired: false });
    h.statuses.set('acme/alice', status('available', '2026-11-27T11:59:00.000Z'));
    h.log.push({
      tenant: 'acme',
      agent: 'alice',
      from: 'available',
      to: 'reason:lunch',
      at: '2026-11-27T11:00:00.000Z',
      source: 'agent',
    });
    const { report } = await createReport(h.deps, alice, { ...input, occurredAt: '2026-11-27T11:30:00.000Z' });
    expect(report.status).toEqual({ code: 'reason:lunch', label: 'Lunch' });
  });

  it('records no status when nothing tells what it was, and the token name for an agent not in the directory', async () => {
    const bob: Principal = { tenant: 'acme', user: 'bob', role: 'agent', name: 'Bob B' };
    const { report } = await createReport(h.deps, bob, input);
    expect(report).toMatchObject({ status: null, team: null, queues: [], agentName: 'Bob B' });
  });

  it('refuses an occurrence in the future or older than 30 days with a field-level 400', async () => {
    for (const occurredAt of ['2026-11-27T12:06:00.000Z', '2026-10-27T11:59:00.000Z']) {
      const error = await createReport(h.deps, alice, { ...input, occurredAt }).catch((e) => e);
      expect(error).toMatchObject({ statusCode: 400, code: 'VALIDATION_FAILED' });
      expect(error.details.issues[0].path).toBe('occurredAt');
    }
    // Within the tolerated clock skew, and at the oldest edge.
    await expect(
      createReport(h.deps, alice, { ...input, occurredAt: '2026-11-27T12:04:00.000Z' }),
    ).resolves.toBeTruthy();
    await expect(
      createReport(h.deps, alice, { ...input, occurredAt: '2026-10-28T12:00:00.000Z' }),
    ).resolves.toBeTruthy();
    expect(h.reports.items.size).toBe(2);
  });

  it('pushes a report event to the tenant feed', async () => {
    const { report } = await createReport(h.deps, alice, input);
    expect(h.pushed).toEqual([{ tenant: 'acme', event: { type: 'report', report } }]);
  });

  it('keeps the report when the live push fails', async () => {
    const failing = harness({ feedFails: true });
    const { report } = await createReport(failing.deps, alice, input);
    expect(failing.reports.items.size).toBe(1);
    expect(report.category).toBe('call-disconnected');
    expect(failing.warnings).toEqual(['Report feed push failed']);
  });
});

describe('idempotency', () => {
  it('stores a retried report once, by Idempotency-Key or client report id, and pushes it once', async () => {
    const h = harness();
    const first = await createReport(h.deps, alice, input, 'key-1');
    h.now.ms += 5_000;
    const retry = await createReport(h.deps, alice, input, 'key-1');
    expect(retry).toEqual({ report: first.report, replayed: true });

    const withId = { ...input, clientReportId: '6a2f41a3-c54c-4c01-8a5e-2c3f1e6b7d90' };
    const a = await createReport(h.deps, alice, withId);
    const b = await createReport(h.deps, alice, withId);
    expect(b.replayed).toBe(true);
    expect(b.report.id).toBe(a.report.id);
    expect(b.report.clientReportId).toBe(withId.clientReportId);

    expect(h.reports.items.size).toBe(2);
    expect(h.pushed).toHaveLength(2);
  });

  it('answers 422 when the key comes back with another report', async () => {
    const h = harness();
    await createReport(h.deps, alice, input, 'key-1');
    await expect(createReport(h.deps, alice, { ...input, severity: 'terrible' }, 'key-1')).rejects.toMatchObject({
      statusCode: 422,
      code: 'IDEMPOTENCY_KEY_REUSED',
    });
  });

  it('scopes keys to the agent: the same key of two agents makes two reports', async () => {
    const h = harness();
    const bob: Principal = { tenant: 'acme', user: 'bob', role: 'agent' };
    const a = await createReport(h.deps, alice, input, 'same');
    const b = await createReport(h.deps, bob, input, 'same');
    expect(b.replayed).toBe(false);
    expect(b.report.id).not.toBe(a.report.id);
    expect(b.report.agent).toBe('bob');
  });

  it('gives every report without a key a new id', async () => {
    const h = harness();
    await createReport(h.deps, alice, input);
    await createReport(h.deps, alice, input);
    expect(h.reports.items.size).toBe(2);
  });
});

describe('pre-fill from an alert', () => {
  const flagged: ReportInput = {
    ...input,
    alertId: 'al-7',
    alertType: 'softphone.error',
    contactId: 'c-from-client',
    errorShown: 'ICE collection timed out',
  };

  it('keeps the fields the client pre-filled, unverified, while no alert store is wired', async () => {
    const h = harness();
    const { report } = await createReport(h.deps, alice, flagged);
    expect(report).toMatchObject({
      contactId: 'c-from-client',
      errorShown: 'ICE collection timed out',
      alert: { id: 'al-7', type: 'softphone.error', verified: false },
    });
  });

  it("takes the alert's own contact id, type and error when the alert store knows the alert", async () => {
    const h = harness({ withAlerts: true });
    h.alerts.set('acme/alice/al-7', { contactId: 'c-real', type: 'network.packet-loss', error: 'Packet loss 12 %' });
    const { report } = await createReport(h.deps, alice, flagged);
    expect(report).toMatchObject({
      contactId: 'c-real',
      errorShown: 'Packet loss 12 %',
      alert: { id: 'al-7', type: 'network.packet-loss', verified: true },
    });
  });

  it("refuses an alert the store does not know for this agent (another agent's alert) with 404", async () => {
    const h = harness({ withAlerts: true });
    h.alerts.set('acme/bob/al-7', { type: 'network.jitter' });
    await expect(createReport(h.deps, alice, flagged)).rejects.toMatchObject({
      statusCode: 404,
      code: 'ALERT_NOT_FOUND',
    });
    expect(h.reports.items.size).toBe(0);
  });

  it('records no alert for a report made without one', async () => {
    const h = harness();
    const { report } = await createReport(h.deps, alice, { ...input, contactId: 'c-1' });
    expect(report).toMatchObject({ alert: null, contactId: 'c-1' });
  });
});

describe('listing and exporting', () => {
  let h: Harness;
  beforeEach(async () => {
    h = harness();
    const bob: Principal = { tenant: 'acme', user: 'bob', role: 'agent' };
    for (let i = 0; i < 3; i++) {
      await createReport(h.deps, alice, input);
      await createReport(h.deps, bob, { ...input, notes: `=cmd|' /C calc'!A${i}` });
      h.now.ms += 1000;
    }
  });

  it("gives agents only their own reports and refuses another agent's with 403", async () => {
    const own = await listReports(h.deps, alice, {}, { limit: 50 });
    expect(own.items.map((r) => r.agent)).toEqual(['alice', 'alice', 'alice']);
    await expect(listReports(h.deps, alice, { agent: 'bob' }, { limit: 50 })).rejects.toMatchObject({
      statusCode: 403,
      code: 'OWN_REPORTS_ONLY',
    });
    expect((await listReports(h.deps, alice, { agent: 'alice' }, { limit: 50 })).items).toHaveLength(3);
  });

  it("gives supervisors and admins every agent's reports, newest first, page by page", async () => {
    for (const who of [sam, ada]) {
      const first = await listReports(h.deps, who, {}, { limit: 4 });
      expect(first.items).toHaveLength(4);
      expect(first.cursor).not.toBeNull();
      const second = await listReports(h.deps, who, {}, { cursor: first.cursor ?? '', limit: 4 });
      expect(second.items).toHaveLength(2);
      expect(second.cursor).toBeNull();
      expect(new Set([...first.items, ...second.items].map((r) => r.agent))).toEqual(new Set(['alice', 'bob']));
    }
  });

  it('exports CSV to supervisors only, in pages of at most maxRows', async () => {
    const period = { from: '2026-11-01T00:00:00.000Z', to: '2026-11-30T00:00:00.000Z' };
    await expect(exportReports(h.deps, alice, period, { maxRows: 10 })).rejects.toMatchObject({ statusCode: 403 });
    const page1 = await exportReports(h.deps, sam, period, { maxRows: 4 });
    expect(page1.rows).toBe(4);
    expect(page1.csv.split('\r\n')[0]).toMatch(/^id,reportedAt,occurredAt,agent,/);
    expect(page1.csv.match(/\r\n/g)).toHaveLength(5);
    expect(page1.csv).toContain(",'=cmd|' /C calc'!A");
    const page2 = await exportReports(h.deps, sam, period, { cursor: page1.cursor ?? '', maxRows: 4 });
    expect(page2).toMatchObject({ rows: 2, cursor: null });
  });

  it('stops a page at the byte budget and continues from the cursor', async () => {
    const big = harness();
    const notes = 'n'.repeat(2000);
    // Enough 2 KB rows for two chunks of 100 to pass the budget.
    const needed = Math.ceil(EXPORT_BYTE_BUDGET / 2100) + 100;
    for (let i = 0; i < needed; i++) await createReport(big.deps, alice, { ...input, notes });
    const period = { from: '2026-11-01T00:00:00.000Z', to: '2026-11-30T00:00:00.000Z' };
    const page = await exportReports(big.deps, sam, period, { maxRows: 5000 });
    expect(page.rows).toBeLessThan(needed);
    expect(page.rows % 100).toBe(0);
    expect(Buffer.byteLength(page.csv)).toBeLessThan(EXPORT_BYTE_BUDGET + 100 * 2300);
    expect(page.cursor).not.toBeNull();
    const rest = await exportReports(big.deps, sam, period, { cursor: page.cursor ?? '', maxRows: 5000 });
    expect(page.rows + rest.rows).toBe(needed);
  });
});
