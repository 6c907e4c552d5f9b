import { type DynamoDBDocumentClient, GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoDirectoryRepository } from '../../functions/adapters/directory-repository.ts';
import { DynamoReportRepository } from '../../functions/adapters/report-repository.ts';
import { DynamoSettingsRepository } from '../../functions/adapters/settings-repository.ts';
import { DynamoReasonStore, DynamoStatusStore } from '../../functions/adapters/status-repository.ts';
import type { ServerEvent } from '../../functions/domain/notifier.ts';
import type { Principal } from '../../functions/domain/principal.ts';
import {
  type IssueReport,
  REPORT_CATEGORIES,
  REPORT_SEVERITIES,
  type ReportFilter,
} from '../../functions/domain/report-model.ts';
import { createReport, listReports, type ReportCreateDeps } from '../../functions/domain/reports.ts';
import { startTestDynamo, type TestDynamo } from '../support/dynalite.ts';

let db: TestDynamo;
const T0 = Date.parse('2026-11-01T00:00:00.000Z');
const clock = { ms: T0, now: () => clock.ms };

/** Counts the commands the repository sends, so a test can prove a list is Queries only. */
const sent: string[] = [];
function counting(real: DynamoDBDocumentClient): DynamoDBDocumentClient {
  return {
    send: (command: { constructor: { name: string } }) => {
      sent.push(command.constructor.name);
      return real.send(command as never);
    },
  } as unknown as DynamoDBDocumentClient;
}

let repo: DynamoReportRepository;

const AGENTS = [
  { id: 'alice', team: 'blue' },
  { id: 'bob', team: 'red' },
  { id: 'carol', team: undefined },
];

function report(i: number, tenant = 'acme'): IssueReport {
  const agent = AGENTS[i % 3] ?? { id: 'alice', team: 'blue' };
  const at = new Date(T0 + i * 3_600_000).toISOString();
  return {
    tenant,
    id: `${tenant === 'acme' ? 'a' : 'b'}${String(i).padStart(31, '0')}`,
    agent: agent.id,
    category: REPORT_CATEGORIES[i % REPORT_CATEGORIES.length] ?? 'something-else',
    severity: REPORT_SEVERITIES[i % REPORT_SEVERITIES.length] ?? 'minor',
    occurredAt: at,
    reportedAt: at,
    team: agent.team,
    queues: ['sales'],
    requestHash: `h${i}`,
    expiresAt: Math.floor(T0 / 1000) + 365 * 86_400,
  };
}

const ALL = Array.from({ length: 48 }, (_, i) => report(i));

/** Every page of a filter, following the cursor. */
async function all(tenant: string, filter: ReportFilter, limit = 7) {
  const out: IssueReport[] = [];
  let cursor: string | undefined;
  let pages = 0;
  do {
    const page = await repo.list(tenant, filter, { limit, ...(cursor ? { cursor } : {}) });
    expect(page.items.length).toBeLessThanOrEqual(limit);
    out.push(...page.items);
    cursor = page.cursor;
    pages++;
  } while (cursor && pages < 100);
  return out;
}

const expected = (pick: (r: IssueReport) => boolean) =>
  ALL.filter(pick)
    .sort((a, b) => (a.reportedAt < b.reportedAt ? 1 : -1))
    .map((r) => r.id);

beforeAll(async () => {
  db = await startTestDynamo();
  repo = new DynamoReportRepository(counting(db.client), db.table, clock);
  for (const r of ALL) expect(await repo.create(r)).toBeUndefined();
  // Another tenant with the same agents, teams and times: never visible to acme.
  for (let i = 0; i < 6; i++) await repo.create(report(i, 'globex'));
});
afterAll(async () => db?.close());

describe('report repository on dynalite', () => {
  it('lists the tenant newest first, page by page, without gaps or duplicates, with Queries only', async () => {
    sent.length = 0;
    const ids = (await all('acme', {})).map((r) => r.id);
    expect(ids).toEqual(expected(() => true));
    expect(new Set(sent)).toEqual(new Set(['QueryCommand']));
  });

  it.each<[string, ReportFilter, (r: IssueReport) => boolean]>([
    ['agent', { agent: 'bob' }, (r) => r.agent === 'bob'],
    ['team', { team: 'blue' }, (r) => r.team === 'blue'],
    ['category', { category: 'missed-call' }, (r) => r.category === 'missed-call'],
    ['severity', { severity: 'terrible' }, (r) => r.severity === 'terrible'],
    [
      'category + severity',
      { category: 'poor-sound-quality', severity: 'difficult' },
      (r) => r.category === 'poor-sound-quality' && r.severity === 'difficult',
    ],
    [
      'agent + category',
      { agent: 'carol', category: 'something-else' },
      (r) => r.agent === 'carol' && r.category === 'something-else',
    ],
    ['team + severity', { team: 'red', severity: 'minor' }, (r) => r.team === 'red' && r.severity === 'minor'],
    ['agent + team that is not theirs', { agent: 'alice', team: 'red' }, () => false],
    [
      'period (inclusive bounds)',
      { from: new Date(T0 + 5 * 3_600_000).toISOString(), to: new Date(T0 + 9 * 3_600_000).toISOString() },
      (r) =>
        r.reportedAt >= new Date(T0 + 5 * 3_600_000).toISOString() &&
        r.reportedAt <= new Date(T0 + 9 * 3_600_000).toISOString(),
    ],
    [
      'agent + period',
      { agent: 'alice', from: new Date(T0 + 20 * 3_600_000).toISOString() },
      (r) => r.agent === 'alice' && r.reportedAt >= new Date(T0 + 20 * 3_600_000).toISOString(),
    ],
    [
      'severity + period',
      { severity: 'difficult', to: new Date(T0 + 12 * 3_600_000).toISOString() },
      (r) => r.severity === 'difficult' && r.reportedAt <= new Date(T0 + 12 * 3_600_000).toISOString(),
    ],
  ])('filters by %s', async (_name, filter, pick) => {
    const ids = (await all('acme', filter, 3)).map((r) => r.id);
    expect(ids).toEqual(expected(pick));
  });

  it('keeps tenants apart: lists, filters and cursors never cross', async () => {
    expect((await all('globex', {})).map((r) => r.tenant)).toEqual(Array(6).fill('globex'));
    expect((await all('acme', { agent: 'alice' })).every((r) => r.tenant === 'acme')).toBe(true);
    const acmePage = await repo.list('acme', {}, { limit: 2 });
    await expect(repo.list('globex', {}, { limit: 2, cursor: acmePage.cursor ?? '' })).rejects.toMatchObject({
      statusCode: 400,
      code: 'BAD_CURSOR',
    });
    // A cursor of one filter's partition is refused by another's.
    const bobPage = await repo.list('acme', { agent: 'bob' }, { limit: 2 });
    await expect(
      repo.list('acme', { agent: 'alice' }, { limit: 2, cursor: bobPage.cursor ?? '' }),
    ).rejects.toMatchObject({ code: 'BAD_CURSOR' });
  });

  it('stores a report and its time-line copy in one transaction; a retry of the id writes nothing', async () => {
    const r = { ...report(100), requestHash: 'first' };
    sent.length = 0;
    expect(await repo.create(r)).toBeUndefined();
    // One request writes both items: there is no moment at which one exists without the other.
    expect(sent).toEqual(['TransactWriteCommand']);
    const timeline = await db.client.send(
      new GetCommand({ TableName: db.table, Key: { pk: 'T#acme#REPORTS', sk: `${r.reportedAt}#${r.id}` } }),
    );
    expect(timeline.Item?.ttl).toBe(r.expiresAt);

    sent.length = 0;
    const again = await repo.create({ ...r, requestHash: 'second', reportedAt: '2026-12-01T00:00:00.000Z' });
    expect(again).toMatchObject({ id: r.id, requestHash: 'first', reportedAt: r.reportedAt });
    // The retry's transaction was cancelled by the report's condition (its second time-line copy was not written).
    expect(sent).toEqual(['TransactWriteCommand', 'GetCommand']);
    const retried = await db.client.send(
      new GetCommand({ TableName: db.table, Key: { pk: 'T#acme#REPORTS', sk: `2026-12-01T00:00:00.000Z#${r.id}` } }),
    );
    expect(retried.Item).toBeUndefined();
    expect((await all('acme', { category: r.category })).filter((x) => x.id === r.id)).toHaveLength(1);
  });

  it('ignores reports past their retention (DynamoDB deletes them lazily)', async () => {
    const old = { ...report(200), id: 'c'.repeat(32), expiresAt: Math.floor(T0 / 1000) + 60 };
    await repo.create(old);
    expect((await all('acme', { agent: old.agent })).some((x) => x.id === old.id)).toBe(true);
    clock.ms = T0 + 120_000;
    try {
      expect((await all('acme', { agent: old.agent })).some((x) => x.id === old.id)).toBe(false);
      expect((await all('acme', {})).some((x) => x.id === old.id)).toBe(false);
      expect(await repo.get('acme', old.id)).toBeUndefined();
      // Its id may be used again once expired.
      expect(await repo.create({ ...old, expiresAt: Math.floor(T0 / 1000) + 86_400 })).toBeUndefined();
    } finally {
      clock.ms = T0;
    }
  });
});

describe('reporting through the real adapters', () => {
  it('stores team, queues and status from the server, the tenant retention as TTL, and lists it per role', async () => {
    const local = await startTestDynamo();
    try {
      const now = { now: () => Date.parse('2026-11-27T12:00:00.000Z') };
      const directory = new DynamoDirectoryRepository(local.client, local.table);
      const statuses = new DynamoStatusStore(local.client, local.table, now);
      const settings = new DynamoSettingsRepository(local.client, local.table, now);
      await directory.put({
        tenant: 'acme',
        agentId: 'alice',
        displayName: 'Alice Smith',
        team: 'blue',
        queues: ['sales'],
        campaigns: [],
        lists: [],
      });
      await statuses.commit(
        {
          tenant: 'acme',
          agent: 'alice',
          status: 'busy',
          since: '2026-11-27T11:00:00.000Z',
          source: 'agent',
          contacts: 0,
          queues: ['sales'],
          version: 1,
        },
        0,
      );
      await settings.update('acme', { reports: { retentionDays: 7 } }, 'ada');
      const events: ServerEvent[] = [];
      const reports = new DynamoReportRepository(local.client, local.table, now);
      const deps: ReportCreateDeps = {
        reports,
        directory,
        statuses,
        reasons: new DynamoReasonStore(local.client, local.table, now),
        settings,
        feed: { publish: async (_tenant, event) => void events.push(event) },
        clock: now,
        warn: () => {},
      };
      const alice: Principal = { tenant: 'acme', user: 'alice', role: 'agent' };
      const { report: view } = await createReport(deps, alice, { category: 'missed-call', severity: 'terrible' }, 'k');
      expect(view).toMatchObject({ team: 'blue', queues: ['sales'], status: { code: 'busy', label: 'Busy' } });
      expect(events).toEqual([{ type: 'report', report: view }]);
      const replay = await createReport(deps, alice, { category: 'missed-call', severity: 'terrible' }, 'k');
      expect(replay).toEqual({ report: view, replayed: true });

      const stored = await local.client.send(
        new QueryCommand({
          TableName: local.table,
          IndexName: 'gsi1',
          KeyConditionExpression: 'gsi1pk = :pk',
          ExpressionAttributeValues: { ':pk': 'T#acme#REPORTS#AGENT#alice' },
        }),
      );
      expect(stored.Items).toHaveLength(1);
      expect(stored.Items?.[0]?.ttl).toBe(Date.parse('2026-11-27T12:00:00.000Z') / 1000 + 7 * 86_400);

      const sam: Principal = { tenant: 'acme', user: 'sam', role: 'supervisor' };
      expect((await listReports(deps, sam, { team: 'blue' }, { limit: 10 })).items.map((r) => r.id)).toEqual([view.id]);
      const bob: Principal = { tenant: 'acme', user: 'bob', role: 'agent' };
      expect((await listReports(deps, bob, {}, { limit: 10 })).items).toEqual([]);
      const other: Principal = { tenant: 'globex', user: 'sam', role: 'admin' };
      expect((await listReports(deps, other, {}, { limit: 10 })).items).toEqual([]);
    } finally {
      await local.close();
    }
  });
});
