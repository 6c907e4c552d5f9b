import {
  DeleteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { counterName, type LastHeartbeat } from '#domain/agent-stats.ts';
import { epochSeconds } from '#domain/clock.ts';
import {
  type AgentCandidate,
  FREE_STATUSES,
  HEARTBEAT_RETENTION_DAYS,
  type Heartbeat,
  heartbeatIdPrefix,
  type StoredHeartbeatConfig,
} from '#domain/heartbeat-model.ts';
import type { FinishFields, HeartbeatConfigStore, HeartbeatStore } from '#domain/heartbeats.ts';
import type { StatusStore } from '#domain/status-ports.ts';
import { type AgentStatsCounters, writeFact } from './agent-stats-repository.ts';
import { batchGetAll, type Item, isConditionFailure, queryAll, queryPage } from './dynamo.ts';
import { presenceKey } from './status-repository.ts';

/**
 * Heartbeats in the main table:
 *
 *   config     pk T#<t>               sk HEARTBEAT           the tenant's heartbeat configuration
 *   lease      pk T#<t>               sk HEARTBEAT#LEASE     one run per tenant at a time
 *   heartbeat  pk T#<t>#HB#<agent>    sk <id>                one test call (ids start with their start time, so an
 *                                                            agent's period is a sort-key range); TTL 90 days
 *              gsi2 T#<t>#HBLIVE / <id>                      while in flight (sparse): the run's in-flight count
 *                                                            and timeout sweep, one small Query per tenant
 *   marker     pk T#<t>#HB#<agent>    sk MARK                the agent's last test and the test in flight
 *                                                            ("MARK" sorts after every id, out of period ranges)
 */
const configKey = (tenant: string) => ({ pk: `T#${tenant}`, sk: 'HEARTBEAT' });
const leaseKey = (tenant: string) => ({ pk: `T#${tenant}`, sk: 'HEARTBEAT#LEASE' });
const agentPk = (tenant: string, agent: string) => `T#${tenant}#HB#${agent}`;
const markerKey = (tenant: string, agent: string) => ({ pk: agentPk(tenant, agent), sk: 'MARK' });
const heartbeatKey = (h: Pick<Heartbeat, 'tenant' | 'agent' | 'id'>) => ({ pk: agentPk(h.tenant, h.agent), sk: h.id });
const livePk = (tenant: string) => `T#${tenant}#HBLIVE`;
const LIVE = [':started', ':routed'] as const;
const LIVE_VALUES = { ':started': 'started', ':routed': 'routed' };

function toHeartbeat(item: Item): Heartbeat {
  const { pk: _pk, sk: _sk, gsi2pk: _g1, gsi2sk: _g2, kind: _k, ttl: _t, ...rest } = item;
  return rest as unknown as Heartbeat;
}

export class DynamoHeartbeatConfigStore implements HeartbeatConfigStore {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  async get(tenant: string): Promise<StoredHeartbeatConfig | undefined> {
    const out = await this.client.send(new GetCommand({ TableName: this.table, Key: configKey(tenant) }));
    if (!out.Item) return undefined;
    const { pk: _pk, sk: _sk, kind: _k, ...config } = out.Item;
    return config as unknown as StoredHeartbeatConfig;
  }

  async put(tenant: string, config: StoredHeartbeatConfig): Promise<void> {
    await this.client.send(
      new PutCommand({ TableName: this.table, Item: { ...config, ...configKey(tenant), kind: 'heartbeat-config' } }),
    );
  }
}

export class DynamoHeartbeatStore implements HeartbeatStore {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly table: string,
    private readonly statuses: Pick<StatusStore, 'list'>,
    private readonly clock: { now(): number },
    /** The dashboard's counters, written in the transaction that finishes a test (none: not counted). */
    private readonly counters?: AgentStatsCounters,
  ) {}

  /** The start day's result counter and latest result (a test counts on the day it started, as `list` reads). */
  private async resultCounter(counters: AgentStatsCounters, h: Heartbeat, fields: FinishFields) {
    const day = await counters.dayOf(h.tenant, Date.parse(h.startedAt));
    const last: LastHeartbeat = {
      id: h.id,
      state: fields.state,
      startedAt: h.startedAt,
      finishedAt: fields.finishedAt,
      ...(fields.outcome?.mos === undefined ? {} : { mos: fields.outcome.mos }),
    };
    return counters.increment(h.tenant, h.agent, day, [counterName.heartbeat(fields.state)], last);
  }

  async candidates(tenant: string): Promise<AgentCandidate[]> {
    const available = [];
    let cursor: string | undefined;
    do {
      const page = await this.statuses.list(tenant, {
        statuses: FREE_STATUSES,
        limit: 200,
        ...(cursor ? { cursor } : {}),
      });
      available.push(...page.items);
      cursor = page.cursor;
    } while (cursor);
    if (available.length === 0) return [];
    const keys = available.flatMap((s) => [presenceKey(tenant, s.agent), markerKey(tenant, s.agent)]);
    const items = await batchGetAll(this.client, this.table, keys);
    const presence = new Map<string, number>();
    const markers = new Map<string, Item>();
    for (const item of items) {
      if (item.sk === 'MARK') markers.set(String(item.pk).slice(agentPk(tenant, '').length), item);
      else if (typeof item.deadline === 'number') presence.set(String(item.agent), item.deadline);
    }
    const now = this.clock.now();
    return available.map((s) => {
      const marker = markers.get(s.agent);
      // A marker whose test outlived its deadline (its heartbeat item was never written) no longer blocks the agent.
      const active =
        typeof marker?.active === 'string' && Number(marker.activeUntil ?? 0) > now ? marker.active : undefined;
      const onlineUntil = presence.get(s.agent);
      return {
        agent: s.agent,
        status: s.status,
        contacts: s.contacts,
        ...(onlineUntil === undefined ? {} : { onlineUntil }),
        ...(typeof marker?.lastAt === 'number' && marker.lastAt > 0 ? { lastTestedAt: marker.lastAt } : {}),
        ...(active ? { activeHeartbeat: active } : {}),
      };
    });
  }

  async live(tenant: string): Promise<Heartbeat[]> {
    const { items } = await queryAll(this.client, {
      TableName: this.table,
      IndexName: 'gsi2',
      KeyConditionExpression: 'gsi2pk = :p',
      ExpressionAttributeValues: { ':p': livePk(tenant) },
    });
    return items.map(toHeartbeat);
  }

  async claim(heartbeat: Heartbeat, cutoffMs: number): Promise<boolean> {
    const now = Date.parse(heartbeat.startedAt);
    try {
      // The marker is the guard (dynalite has no transactions): whoever sets `active` owns the agent's test.
      await this.client.send(
        new UpdateCommand({
          TableName: this.table,
          Key: markerKey(heartbeat.tenant, heartbeat.agent),
          UpdateExpression:
            'SET active = :id, activeUntil = :until, prevAt = if_not_exists(lastAt, :zero), lastAt = :now, kind = :k',
          ConditionExpression:
            '(attribute_not_exists(active) OR activeUntil < :now) AND (attribute_not_exists(lastAt) OR lastAt <= :cut)',
          ExpressionAttributeValues: {
            ':id': heartbeat.id,
            ':until': heartbeat.deadline,
            ':zero': 0,
            ':now': now,
            ':cut': cutoffMs,
            ':k': 'heartbeat-marker',
          },
        }),
      );
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
    await this.client.send(
      new PutCommand({
        TableName: this.table,
        Item: {
          ...heartbeat,
          ...heartbeatKey(heartbeat),
          kind: 'heartbeat',
          gsi2pk: livePk(heartbeat.tenant),
          gsi2sk: heartbeat.id,
          ttl: epochSeconds(now) + HEARTBEAT_RETENTION_DAYS * 86_400,
        },
        ConditionExpression: 'attribute_not_exists(pk)',
      }),
    );
    return true;
  }

  async get(tenant: string, agent: string, id: string): Promise<Heartbeat | undefined> {
    const out = await this.client.send(
      new GetCommand({ TableName: this.table, Key: heartbeatKey({ tenant, agent, id }), ConsistentRead: true }),
    );
    return out.Item ? toHeartbeat(out.Item) : undefined;
  }

  async attachContact(heartbeat: Heartbeat, contactId: string): Promise<void> {
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.table,
          Key: heartbeatKey(heartbeat),
          UpdateExpression: 'SET contactId = if_not_exists(contactId, :c)',
          ConditionExpression: 'attribute_exists(pk)',
          ExpressionAttributeValues: { ':c': contactId },
        }),
      );
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
    }
  }

  async markRouted(heartbeat: Heartbeat, contactId: string, atIso: string): Promise<Heartbeat | undefined> {
    try {
      const out = await this.client.send(
        new UpdateCommand({
          TableName: this.table,
          Key: heartbeatKey(heartbeat),
          UpdateExpression:
            'SET #state = :routed, routedAt = if_not_exists(routedAt, :at), contactId = if_not_exists(contactId, :c)',
          ConditionExpression: `#state IN (${LIVE.join(', ')})`,
          ExpressionAttributeNames: { '#state': 'state' },
          ExpressionAttributeValues: { ...LIVE_VALUES, ':at': atIso, ':c': contactId },
          ReturnValues: 'ALL_NEW',
        }),
      );
      return out.Attributes ? toHeartbeat(out.Attributes) : undefined;
    } catch (error) {
      if (isConditionFailure(error)) return this.get(heartbeat.tenant, heartbeat.agent, heartbeat.id);
      throw error;
    }
  }

  async finish(heartbeat: Heartbeat, fields: FinishFields, retest = false): Promise<{ won: boolean }> {
    const update = {
      TableName: this.table,
      Key: heartbeatKey(heartbeat),
      UpdateExpression: `SET #state = :s, finishedAt = :f${fields.outcome ? ', outcome = :o' : ''}${
        fields.reason ? ', reason = :r' : ''
      } REMOVE gsi2pk, gsi2sk`,
      ConditionExpression: `#state IN (${LIVE.join(', ')})`,
      ExpressionAttributeNames: { '#state': 'state' },
      ExpressionAttributeValues: {
        ...LIVE_VALUES,
        ':s': fields.state,
        ':f': fields.finishedAt,
        ...(fields.outcome ? { ':o': fields.outcome } : {}),
        ...(fields.reason ? { ':r': fields.reason } : {}),
      },
    };
    // The result counts on the dashboard in the same transaction: a second finish (a retried outcome, the timeout
    // sweep racing the flow) fails the state condition and counts nothing.
    const counted = this.counters && (await this.resultCounter(this.counters, heartbeat, fields));
    if (!(await writeFact(this.client, [{ Update: update }, ...(counted ? [counted] : [])]))) return { won: false };
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.table,
          Key: markerKey(heartbeat.tenant, heartbeat.agent),
          UpdateExpression: retest ? 'SET lastAt = prevAt REMOVE active, activeUntil' : 'REMOVE active, activeUntil',
          ConditionExpression: 'active = :id',
          ExpressionAttributeValues: { ':id': heartbeat.id },
        }),
      );
    } catch (error) {
      // Someone else's test holds the marker now (this one had expired): nothing of ours to release.
      if (!isConditionFailure(error)) throw error;
    }
    return { won: true };
  }

  async list(
    tenant: string,
    agent: string,
    fromIso: string,
    toIso: string,
    page: { cursor?: string | undefined; limit: number },
  ): Promise<{ items: Heartbeat[]; cursor?: string | undefined }> {
    const pk = agentPk(tenant, agent);
    const out = await queryPage(
      this.client,
      {
        TableName: this.table,
        KeyConditionExpression: 'pk = :pk AND sk BETWEEN :from AND :to',
        // `~` sorts after the random part of every id started within the last millisecond of the period.
        ExpressionAttributeValues: {
          ':pk': pk,
          ':from': heartbeatIdPrefix(fromIso),
          ':to': `${heartbeatIdPrefix(toIso)}~`,
        },
        ScanIndexForward: false,
      },
      page,
      { attribute: 'pk', value: pk },
    );
    return { items: out.items.map(toHeartbeat), ...(out.cursor ? { cursor: out.cursor } : {}) };
  }

  async acquireLease(tenant: string, owner: string, nowMs: number, durationMs: number): Promise<boolean> {
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.table,
          Item: { ...leaseKey(tenant), kind: 'heartbeat-lease', owner, expiresAtMs: nowMs + durationMs },
          ConditionExpression: 'attribute_not_exists(pk) OR expiresAtMs < :now',
          ExpressionAttributeValues: { ':now': nowMs },
        }),
      );
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  }

  async releaseLease(tenant: string, owner: string): Promise<void> {
    try {
      await this.client.send(
        new DeleteCommand({
          TableName: this.table,
          Key: leaseKey(tenant),
          ConditionExpression: '#o = :o',
          ExpressionAttributeNames: { '#o': 'owner' },
          ExpressionAttributeValues: { ':o': owner },
        }),
      );
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
    }
  }
}
