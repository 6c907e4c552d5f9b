import { type DynamoDBDocumentClient, GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { counterName } from '#domain/agent-stats.ts';
import type { Alert, AlertPage, AlertStore, ClearedBy } from '#domain/alerts/model.ts';
import { MAX_EVIDENCE, type Threshold } from '#domain/alerts/rules.ts';
import type { AlertQuery, AlertState, RuleId } from '#domain/alerts/schemas.ts';
import type { Clock } from '#domain/clock.ts';
import { epochSeconds } from '#domain/clock.ts';
import { type AgentStatsCounters, writeFact } from './agent-stats-repository.ts';
import { type Item, isConditionFailure, queryAll, queryPage } from './dynamo.ts';
import { stateAtVersion } from './telemetry-state-repository.ts';

/**
 * Alerts on the single table, kept for the tenant's retention (`ttl`):
 *   pk = T#<t>#ALERTS#A#<agent>   sk = AL#<id>       by agent and period (the id starts with the raise time in ms)
 *   gsi1pk = T#<t>#ALERTS#G#<team>   gsi1sk = <id>   by team and period (sparse: alerts of agents with a team)
 *   gsi2pk = T#<t>#ALERTS            gsi2sk = <id>   the whole tenant by period
 * The state is a filter on any of them. Epoch ms have 13 digits until the year 2286, so ids sort by time as text.
 */
const agentPk = (tenant: string, agent: string) => `T#${tenant}#ALERTS#A#${agent}`;
const teamPk = (tenant: string, team: string) => `T#${tenant}#ALERTS#G#${team}`;
const tenantPk = (tenant: string) => `T#${tenant}#ALERTS`;
const sk = (id: string) => `AL#${id}`;
/** Bounds of a period as id prefixes: every id of a raise at `ms` sorts between these. */
const lower = (iso: string) => String(Date.parse(iso)).padStart(13, '0');
const upper = (iso: string) => `${String(Date.parse(iso)).padStart(13, '0')}.~`;

function toItem(a: Alert): Item {
  return {
    pk: agentPk(a.tenant, a.agent),
    sk: sk(a.id),
    kind: 'alert',
    tenant: a.tenant,
    agent: a.agent,
    id: a.id,
    rule: a.rule,
    contactId: a.contactId,
    ...(a.team ? { team: a.team, gsi1pk: teamPk(a.tenant, a.team), gsi1sk: a.id } : {}),
    gsi2pk: tenantPk(a.tenant),
    gsi2sk: a.id,
    state: a.state,
    raisedAt: a.raisedAt,
    breachStartedAt: a.breachStartedAt,
    ...(a.latestBreachStartedAt ? { latestBreachStartedAt: a.latestBreachStartedAt } : {}),
    threshold: a.threshold,
    evidence: a.evidence,
    breaches: a.breaches,
    updatedAt: a.updatedAt,
    ttl: a.expiresAt,
  };
}

type CloseChange = { to: Exclude<AlertState, 'active'>; by: ClearedBy; atIso: string; user?: string };

const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

function toThreshold(v: unknown): Threshold {
  const t = (v ?? {}) as Record<string, unknown>;
  return {
    metric: String(t.metric) as Threshold['metric'],
    operator: String(t.operator) as Threshold['operator'],
    ...(typeof t.value === 'number' ? { value: t.value } : {}),
    seconds: Number(t.seconds ?? 0),
  };
}

function toAlert(item: Item): Alert {
  const acknowledgedBy = str(item.acknowledgedBy);
  const acknowledgedAt = str(item.acknowledgedAt);
  const clearedAt = str(item.clearedAt);
  const clearedBy = str(item.clearedBy);
  const team = str(item.team);
  const latestBreachStartedAt = str(item.latestBreachStartedAt);
  return {
    tenant: String(item.tenant),
    agent: String(item.agent),
    id: String(item.id),
    rule: String(item.rule) as RuleId,
    contactId: String(item.contactId),
    ...(team ? { team } : {}),
    state: String(item.state) as AlertState,
    raisedAt: String(item.raisedAt),
    breachStartedAt: String(item.breachStartedAt),
    ...(latestBreachStartedAt ? { latestBreachStartedAt } : {}),
    threshold: toThreshold(item.threshold),
    evidence: Array.isArray(item.evidence) ? (item.evidence as Alert['evidence']) : [],
    breaches: Number(item.breaches ?? 1),
    updatedAt: String(item.updatedAt),
    ...(acknowledgedBy ? { acknowledgedBy } : {}),
    ...(acknowledgedAt ? { acknowledgedAt } : {}),
    ...(clearedAt ? { clearedAt } : {}),
    ...(clearedBy ? { clearedBy: clearedBy as ClearedBy } : {}),
    expiresAt: Number(item.ttl),
  };
}

export class DynamoAlertStore implements AlertStore {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly table: string,
    private readonly clock: Clock,
    /** The dashboard's counters, written in the same transaction as a raise or a close (none: not counted). */
    private readonly counters?: AgentStatsCounters,
  ) {}

  async raise(alert: Alert, guard?: { readonly stateVersion: number }): Promise<boolean> {
    const put = { TableName: this.table, Item: toItem(alert), ConditionExpression: 'attribute_not_exists(pk)' };
    // The state's condition rides in the same transaction: a raise is rare (once per rule per contact), the
    // transaction's extra write cost with it.
    const check = guard ? [stateAtVersion(this.table, alert.tenant, alert.agent, guard.stateVersion)] : [];
    if (!this.counters) return writeFact(this.client, [{ Put: put }, ...check]);
    // The raise day is kept on the alert: its closing counts on the same day, whatever the time zone is by then.
    const day = await this.counters.dayOf(alert.tenant, Date.parse(alert.raisedAt));
    return writeFact(this.client, [
      { Put: { ...put, Item: { ...put.Item, statsDay: day } } },
      this.counters.increment(alert.tenant, alert.agent, day, [counterName.alert(alert.rule, 'raised')]),
      ...check,
    ]);
  }

  async get(tenant: string, agent: string, id: string): Promise<Alert | undefined> {
    const out = await this.client.send(
      new GetCommand({ TableName: this.table, Key: { pk: agentPk(tenant, agent), sk: sk(id) }, ConsistentRead: true }),
    );
    return out.Item && this.live(out.Item) ? toAlert(out.Item) : undefined;
  }

  async addEvidence(
    tenant: string,
    agent: string,
    id: string,
    breach: { readonly startedAt: string; readonly evidence: Alert['evidence'] },
    atIso: string,
  ): Promise<Alert | undefined> {
    // Read-modify-write on the breach count: two late breaches can never drop each other's evidence. A breach is
    // counted once: one that does not start after the latest counted one is a replay (ISO times in UTC sort as text).
    for (let attempt = 0; attempt < 3; attempt++) {
      const current = await this.get(tenant, agent, id);
      if (!current) return undefined;
      if (breach.startedAt <= (current.latestBreachStartedAt ?? current.breachStartedAt)) return undefined;
      try {
        const out = await this.client.send(
          new UpdateCommand({
            TableName: this.table,
            Key: { pk: agentPk(tenant, agent), sk: sk(id) },
            UpdateExpression: 'SET evidence = :ev, breaches = :next, latestBreachStartedAt = :since, updatedAt = :at',
            ConditionExpression: 'breaches = :seen',
            ExpressionAttributeValues: {
              ':ev': [...current.evidence, ...breach.evidence].slice(-MAX_EVIDENCE),
              ':next': current.breaches + 1,
              ':seen': current.breaches,
              ':since': breach.startedAt,
              ':at': atIso,
            },
            ReturnValues: 'ALL_NEW',
          }),
        );
        return out.Attributes ? toAlert(out.Attributes) : undefined;
      } catch (error) {
        if (!isConditionFailure(error)) throw error;
      }
    }
    throw new Error(`Evidence of alert ${id} is contended`);
  }

  async close(
    tenant: string,
    agent: string,
    id: string,
    change: CloseChange,
  ): Promise<{ won: boolean; alert: Alert | undefined }> {
    if (this.counters) return this.closeCounted(this.counters, tenant, agent, id, change);
    try {
      const out = await this.client.send(
        new UpdateCommand({ ...this.closeUpdate(tenant, agent, id, change), ReturnValues: 'ALL_NEW' }),
      );
      return { won: true, alert: out.Attributes ? toAlert(out.Attributes) : undefined };
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
      return { won: false, alert: await this.get(tenant, agent, id) };
    }
  }

  /** active → `change.to`, only while the alert is active and not expired. */
  private closeUpdate(tenant: string, agent: string, id: string, change: CloseChange) {
    const acknowledged = change.to === 'acknowledged';
    return {
      TableName: this.table,
      Key: { pk: agentPk(tenant, agent), sk: sk(id) },
      UpdateExpression: `SET #state = :to, clearedAt = :at, clearedBy = :by, updatedAt = :at${
        acknowledged ? ', acknowledgedBy = :user, acknowledgedAt = :at' : ''
      }`,
      ConditionExpression: '#state = :active AND #ttl > :now',
      ExpressionAttributeNames: { '#state': 'state', '#ttl': 'ttl' },
      ExpressionAttributeValues: {
        ':to': change.to,
        ':at': change.atIso,
        ':by': change.by,
        ':active': 'active',
        ':now': epochSeconds(this.clock.now()),
        ...(acknowledged ? { ':user': change.user ?? agent } : {}),
      },
    };
  }

  /**
   * `close` with the dashboard's counter: the alert is read first (its raise day and rule name the counter), then
   * closed under the same condition as without counters, in one transaction with the counter's increment.
   */
  private async closeCounted(
    counters: AgentStatsCounters,
    tenant: string,
    agent: string,
    id: string,
    change: CloseChange,
  ): Promise<{ won: boolean; alert: Alert | undefined }> {
    const key = { pk: agentPk(tenant, agent), sk: sk(id) };
    const out = await this.client.send(new GetCommand({ TableName: this.table, Key: key, ConsistentRead: true }));
    const current = out.Item && this.live(out.Item) ? toAlert(out.Item) : undefined;
    if (current?.state !== 'active') return { won: false, alert: current };
    const day =
      typeof out.Item?.statsDay === 'string'
        ? out.Item.statsDay
        : await counters.dayOf(tenant, Date.parse(current.raisedAt));
    const acknowledged = change.to === 'acknowledged';
    const user = change.user ?? agent;
    const won = await writeFact(this.client, [
      { Update: this.closeUpdate(tenant, agent, id, change) },
      counters.increment(tenant, agent, day, [
        counterName.alert(current.rule, acknowledged ? 'acknowledged' : 'notAcknowledged'),
      ]),
    ]);
    if (!won) return { won: false, alert: await this.get(tenant, agent, id) };
    return {
      won: true,
      alert: {
        ...current,
        state: change.to,
        clearedAt: change.atIso,
        clearedBy: change.by,
        updatedAt: change.atIso,
        ...(acknowledged ? { acknowledgedBy: user, acknowledgedAt: change.atIso } : {}),
      },
    };
  }

  async listForAgent(tenant: string, agent: string, fromIso: string): Promise<Alert[]> {
    const { items } = await queryAll(this.client, {
      TableName: this.table,
      KeyConditionExpression: 'pk = :pk AND sk BETWEEN :from AND :to',
      FilterExpression: '#ttl > :now',
      ExpressionAttributeNames: { '#ttl': 'ttl' },
      ExpressionAttributeValues: {
        ':pk': agentPk(tenant, agent),
        ':from': sk(lower(fromIso)),
        ':to': sk('9999999999999'),
        ':now': epochSeconds(this.clock.now()),
      },
    });
    return items.map(toAlert);
  }

  async query(tenant: string, q: AlertQuery & { from: string; to: string }): Promise<AlertPage> {
    const [index, pkName, skName, pkValue, prefix] = q.agent
      ? [undefined, 'pk', 'sk', agentPk(tenant, q.agent), 'AL#']
      : q.team
        ? ['gsi1', 'gsi1pk', 'gsi1sk', teamPk(tenant, q.team), '']
        : ['gsi2', 'gsi2pk', 'gsi2sk', tenantPk(tenant), ''];
    const page = await queryPage(
      this.client,
      {
        TableName: this.table,
        ...(index ? { IndexName: index } : {}),
        KeyConditionExpression: `${pkName} = :pk AND ${skName} BETWEEN :from AND :to`,
        FilterExpression: `#ttl > :now${q.state ? ' AND #state = :state' : ''}`,
        ExpressionAttributeNames: { '#ttl': 'ttl', ...(q.state ? { '#state': 'state' } : {}) },
        ExpressionAttributeValues: {
          ':pk': pkValue,
          ':from': `${prefix}${lower(q.from)}`,
          ':to': `${prefix}${upper(q.to)}`,
          ':now': epochSeconds(this.clock.now()),
          ...(q.state ? { ':state': q.state } : {}),
        },
        // Newest first: what an admin looks for.
        ScanIndexForward: false,
      },
      { cursor: q.cursor, limit: q.limit },
      { attribute: pkName, value: pkValue },
    );
    return { items: page.items.map(toAlert), ...(page.cursor ? { cursor: page.cursor } : {}) };
  }

  private live(item: Item): boolean {
    return Number(item.ttl ?? Number.POSITIVE_INFINITY) > epochSeconds(this.clock.now());
  }
}
