import { type DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import { counterName } from '#domain/agent-stats.ts';
import type { Clock } from '#domain/clock.ts';
import { epochSeconds } from '#domain/clock.ts';
import {
  type IssueReport,
  REPORT_CATEGORIES,
  REPORT_SEVERITIES,
  type ReportCategory,
  type ReportFilter,
  type ReportPage,
  type ReportRepository,
  type ReportSeverity,
} from '#domain/report-model.ts';
import { type AgentStatsCounters, writeFact } from './agent-stats-repository.ts';
import { type Item, queryPage } from './dynamo.ts';

/**
 * Issue reports, two items each (written in one transaction), so that every filter is a Query on a partition of its own (no Scan):
 *
 *   report    pk T#<t>#REPORT#<id>   sk REPORT             the report; its conditional put is the idempotency check
 *             gsi1 T#<t>#REPORTS#AGENT#<agent> / <reportedAt>#<id>          → by agent (an agent's own list)
 *             gsi2 T#<t>#REPORTS#TEAM#<team>   / <reportedAt>#<id>          → by team (sparse: agents with a team)
 *   timeline  pk T#<t>#REPORTS      sk <reportedAt>#<id>  a copy, in the tenant's time line → by period
 *             gsi1 T#<t>#REPORTS#CATEGORY#<category> / <reportedAt>#<id>    → by category
 *             gsi2 T#<t>#REPORTS#SEVERITY#<severity> / <reportedAt>#<id>    → by severity
 *
 * A list queries the most selective partition its filters name (agent, team, category, severity, else the time
 * line) with the period as a sort-key range, newest first; the other filters are FilterExpressions on that
 * partition. Both items carry `ttl` (the tenant's retention); reads ignore expired items, as DynamoDB deletes lazily.
 */
const reportPk = (tenant: string, id: string) => `T#${tenant}#REPORT#${id}`;
const REPORT_SK = 'REPORT';
const timelinePk = (tenant: string) => `T#${tenant}#REPORTS`;
const byPk = (tenant: string, dimension: 'AGENT' | 'TEAM' | 'CATEGORY' | 'SEVERITY', value: string) =>
  `${timelinePk(tenant)}#${dimension}#${value}`;
const sortKey = (r: IssueReport) => `${r.reportedAt}#${r.id}`;

/** The report's fields as stored (on both items). */
function attributes(r: IssueReport): Item {
  return {
    tenant: r.tenant,
    id: r.id,
    agent: r.agent,
    agentName: r.agentName,
    category: r.category,
    severity: r.severity,
    notes: r.notes,
    occurredAt: r.occurredAt,
    reportedAt: r.reportedAt,
    contactId: r.contactId,
    errorShown: r.errorShown,
    alert: r.alert,
    cpuPercent: r.cpuPercent,
    memoryPercent: r.memoryPercent,
    browserName: r.browserName,
    browserVersion: r.browserVersion,
    extensionVersion: r.extensionVersion,
    clientReportId: r.clientReportId,
    team: r.team,
    queues: [...r.queues],
    status: r.status,
    requestHash: r.requestHash,
    ttl: r.expiresAt,
  };
}

const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
const num = (v: unknown): number | undefined => (typeof v === 'number' ? v : undefined);
const isCategory = (v: unknown): v is ReportCategory => (REPORT_CATEGORIES as readonly unknown[]).includes(v);
const isSeverity = (v: unknown): v is ReportSeverity => (REPORT_SEVERITIES as readonly unknown[]).includes(v);

function toReport(item: Item): IssueReport {
  const { category, severity, alert, status, queues } = item;
  if (!isCategory(category) || !isSeverity(severity)) throw new Error(`Malformed report item ${String(item.pk)}`);
  const alertItem = alert && typeof alert === 'object' ? (alert as Record<string, unknown>) : undefined;
  const statusItem = status && typeof status === 'object' ? (status as Record<string, unknown>) : undefined;
  return {
    tenant: String(item.tenant),
    id: String(item.id),
    agent: String(item.agent),
    agentName: str(item.agentName),
    category,
    severity,
    notes: str(item.notes),
    occurredAt: String(item.occurredAt),
    reportedAt: String(item.reportedAt),
    contactId: str(item.contactId),
    errorShown: str(item.errorShown),
    alert: alertItem
      ? { id: String(alertItem.id), type: str(alertItem.type), verified: alertItem.verified === true }
      : undefined,
    cpuPercent: num(item.cpuPercent),
    memoryPercent: num(item.memoryPercent),
    browserName: str(item.browserName),
    browserVersion: str(item.browserVersion),
    extensionVersion: str(item.extensionVersion),
    clientReportId: str(item.clientReportId),
    team: str(item.team),
    queues: Array.isArray(queues) ? queues.map(String) : [],
    status: statusItem ? { code: String(statusItem.code), label: String(statusItem.label) } : undefined,
    requestHash: String(item.requestHash),
    expiresAt: Number(item.ttl),
  };
}

type Remaining = ReadonlyArray<readonly ['team' | 'category' | 'severity', string | undefined]>;

/** Which partition serves a filter, and which filters remain for a FilterExpression. */
function plan(tenant: string, f: ReportFilter): { index?: 'gsi1' | 'gsi2'; pk: string; rest: Remaining } {
  if (f.agent !== undefined)
    return {
      index: 'gsi1',
      pk: byPk(tenant, 'AGENT', f.agent),
      rest: [
        ['team', f.team],
        ['category', f.category],
        ['severity', f.severity],
      ],
    };
  if (f.team !== undefined)
    return {
      index: 'gsi2',
      pk: byPk(tenant, 'TEAM', f.team),
      rest: [
        ['category', f.category],
        ['severity', f.severity],
      ],
    };
  if (f.category !== undefined)
    return { index: 'gsi1', pk: byPk(tenant, 'CATEGORY', f.category), rest: [['severity', f.severity]] };
  if (f.severity !== undefined) return { index: 'gsi2', pk: byPk(tenant, 'SEVERITY', f.severity), rest: [] };
  return { pk: timelinePk(tenant), rest: [] };
}

export class DynamoReportRepository implements ReportRepository {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly table: string,
    private readonly clock: Clock,
    /** The dashboard's counters, written in the report's transaction (none: not counted). */
    private readonly counters?: AgentStatsCounters,
  ) {}

  async create(report: IssueReport): Promise<IssueReport | undefined> {
    // Both items (and the dashboard's counters) in one transaction: a report is never listed by one partition and
    // missing from another, and a retry whose condition fails writes — and counts — nothing.
    const day = this.counters && (await this.counters.dayOf(report.tenant, Date.parse(report.reportedAt)));
    const written = await writeFact(this.client, [
      {
        Put: {
          TableName: this.table,
          Item: {
            pk: reportPk(report.tenant, report.id),
            sk: REPORT_SK,
            kind: 'report',
            ...attributes(report),
            gsi1pk: byPk(report.tenant, 'AGENT', report.agent),
            gsi1sk: sortKey(report),
            ...(report.team ? { gsi2pk: byPk(report.tenant, 'TEAM', report.team), gsi2sk: sortKey(report) } : {}),
          },
          // One report per id (= per tenant + agent + idempotency key). An expired one not yet deleted may be replaced.
          ConditionExpression: 'attribute_not_exists(pk) OR #ttl <= :now',
          ExpressionAttributeNames: { '#ttl': 'ttl' },
          ExpressionAttributeValues: { ':now': epochSeconds(this.clock.now()) },
        },
      },
      {
        Put: {
          TableName: this.table,
          Item: {
            pk: timelinePk(report.tenant),
            sk: sortKey(report),
            kind: 'report-timeline',
            ...attributes(report),
            gsi1pk: byPk(report.tenant, 'CATEGORY', report.category),
            gsi1sk: sortKey(report),
            gsi2pk: byPk(report.tenant, 'SEVERITY', report.severity),
            gsi2sk: sortKey(report),
          },
        },
      },
      ...(this.counters && day
        ? [
            this.counters.increment(report.tenant, report.agent, day, [
              counterName.reportCategory(report.category),
              counterName.reportSeverity(report.severity),
            ]),
          ]
        : []),
    ]);
    if (written) return undefined;
    const existing = await this.get(report.tenant, report.id);
    if (!existing) throw new Error(`Report ${report.id} exists but cannot be read`);
    return existing;
  }

  async get(tenant: string, id: string): Promise<IssueReport | undefined> {
    const out = await this.client.send(
      new GetCommand({ TableName: this.table, Key: { pk: reportPk(tenant, id), sk: REPORT_SK }, ConsistentRead: true }),
    );
    if (!out.Item || Number(out.Item.ttl) <= epochSeconds(this.clock.now())) return undefined;
    return toReport(out.Item);
  }

  async list(
    tenant: string,
    filter: ReportFilter,
    page: { cursor?: string | undefined; limit: number },
  ): Promise<ReportPage> {
    const { index, pk, rest } = plan(tenant, filter);
    const pkName = index ? `${index}pk` : 'pk';
    const skName = index ? `${index}sk` : 'sk';
    const names: Record<string, string> = { '#pk': pkName, '#sk': skName, '#ttl': 'ttl' };
    const values: Record<string, unknown> = {
      ':pk': pk,
      // Sort keys are `<reportedAt>#<id>`: `~` sorts after every id character, so `to` is inclusive.
      ':from': filter.from ?? '0',
      ':to': `${filter.to ?? '9999'}#~`,
      ':now': epochSeconds(this.clock.now()),
    };
    const conditions = ['#ttl > :now'];
    for (const [field, value] of rest) {
      if (value === undefined) continue;
      names[`#${field}`] = field;
      values[`:${field}`] = value;
      conditions.push(`#${field} = :${field}`);
    }
    const result = await queryPage(
      this.client,
      {
        TableName: this.table,
        ...(index ? { IndexName: index } : {}),
        KeyConditionExpression: '#pk = :pk AND #sk BETWEEN :from AND :to',
        FilterExpression: conditions.join(' AND '),
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: values,
        ScanIndexForward: false,
      },
      page,
      { attribute: pkName, value: pk },
    );
    return { items: result.items.map(toReport), ...(result.cursor ? { cursor: result.cursor } : {}) };
  }
}
