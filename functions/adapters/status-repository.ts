import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import {
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  TransactWriteCommand,
  type TransactWriteCommandInput,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import type { Clock } from '#domain/clock.ts';
import { epochSeconds } from '#domain/clock.ts';
import { BadRequestError, ConflictError, NotFoundError } from '#domain/errors.ts';
import { USER_ID_PATTERN } from '#domain/ids.ts';
import {
  type AgentStatus,
  MAX_REASONS,
  type StatusCode,
  type StatusLogEntry,
  type StatusReason,
} from '#domain/status.ts';
import type {
  AgentSession,
  ApprovalStore,
  PersistedEffects,
  PresenceStore,
  ReasonStore,
  RequestState,
  StatusPage,
  StatusRequest,
  StatusStore,
} from '#domain/status-ports.ts';
import { syncQueuePut } from './connect-sync-queue.ts';
import { batchGetAll, decodeCursor, encodeCursor, type Item, isConditionFailure, queryAll } from './dynamo.ts';

/**
 * Key layout of the status capability (main table):
 *
 *   T#<t>#STATUS        A#<agent>           current status; gsi1 = T#<t>#ST#<status> / <agent> (filter by status)
 *   T#<t>#STATUS        P#<agent>           presence (last seen); gsi1 = PRESENCE#<0-7> / <deadline>#<t>#<agent>
 *                                           while the agent is not known to be gone (the auto-Offline index)
 *   T#<t>#STATUS        S#<user>            supervisors seen recently (receive approval requests), TTL
 *   T#<t>#LOG#<agent>   <at>#<from>><to>    status log, TTL = logRetentionDays
 *   T#<t>#SESSION#<agent> <startedAt>       sessions (login → logout), TTL = logRetentionDays
 *   T#<t>#REQ           R#<id>              approval requests, TTL 1 day
 *   T#<t>#REASONS       LIST                custom reasons (one item, ≤ 50 active)
 *   (Connect bindings and the PutUserStatus queues: connect-binding-repository.ts, connect-sync-queue.ts)
 */
const statusPk = (tenant: string) => `T#${tenant}#STATUS`;
const agentSk = (agent: string) => `A#${agent}`;
const byStatusPk = (tenant: string, status: string) => `T#${tenant}#ST#${status}`;
const logPk = (tenant: string, agent: string) => `T#${tenant}#LOG#${agent}`;
const sessionPk = (tenant: string, agent: string) => `T#${tenant}#SESSION#${agent}`;
const PRESENCE_SHARDS = 8;
/** The key of an agent's presence item (its `deadline` says until when the messenger counts as online). */
export const presenceKey = (tenant: string, agent: string) => ({ pk: statusPk(tenant), sk: `P#${agent}` });
const pad = (ms: number) => String(Math.max(0, Math.floor(ms))).padStart(15, '0');

/** Spreads presence writes over a few index partitions (every online agent writes every ~15 s). */
function shardOf(tenant: string, agent: string): number {
  let h = 0;
  for (const ch of `${tenant}#${agent}`) h = (h * 31 + ch.charCodeAt(0)) >>> 0;
  return h % PRESENCE_SHARDS;
}

function toStatus(item: Item): AgentStatus {
  const { pk: _pk, sk: _sk, gsi1pk: _g1, gsi1sk: _g2, kind: _k, ...rest } = item;
  return { queues: [], contacts: 0, ...rest } as unknown as AgentStatus;
}

export class DynamoStatusStore implements StatusStore {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly table: string,
    private readonly clock: Clock,
  ) {}

  async get(tenant: string, agent: string): Promise<AgentStatus | undefined> {
    const out = await this.client.send(
      new GetCommand({
        TableName: this.table,
        Key: { pk: statusPk(tenant), sk: agentSk(agent) },
        ConsistentRead: true,
      }),
    );
    return out.Item ? toStatus(out.Item) : undefined;
  }

  async getMany(tenant: string, agents: readonly string[]): Promise<Map<string, AgentStatus>> {
    const found = new Map<string, AgentStatus>();
    const keys = [...new Set(agents)].map((a) => ({ pk: statusPk(tenant), sk: agentSk(a) }));
    for (const item of await batchGetAll(this.client, this.table, keys)) {
      const record = toStatus(item);
      found.set(record.agent, record);
    }
    return found;
  }

  async commit(record: AgentStatus, expectedVersion: number, effects: PersistedEffects = {}): Promise<boolean> {
    const put = {
      TableName: this.table,
      Item: {
        ...record,
        pk: statusPk(record.tenant),
        sk: agentSk(record.agent),
        kind: 'agent-status',
        gsi1pk: byStatusPk(record.tenant, record.status),
        gsi1sk: record.agent,
      },
      ConditionExpression: expectedVersion === 0 ? 'attribute_not_exists(pk)' : 'version = :v',
      ...(expectedVersion === 0 ? {} : { ExpressionAttributeValues: { ':v': expectedVersion } }),
    };
    const others = this.effectWrites(record, effects);
    try {
      // Without effects (a contact or team update) a plain conditional put costs half a transaction.
      if (others.length === 0) await this.client.send(new PutCommand(put));
      else await this.client.send(new TransactWriteCommand({ TransactItems: [{ Put: put }, ...others] }));
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      // Only the record carries a condition: a cancelled transaction means someone else wrote first (or, for
      // TransactionConflict, is writing one of these items right now); either way re-read and decide again.
      if (
        error instanceof TransactionCanceledException &&
        (error.CancellationReasons?.[0]?.Code === 'ConditionalCheckFailed' ||
          error.CancellationReasons?.some((r) => r.Code === 'TransactionConflict'))
      )
        return false;
      throw error;
    }
  }

  private effectWrites(
    record: AgentStatus,
    effects: PersistedEffects,
  ): NonNullable<TransactWriteCommandInput['TransactItems']> {
    const { tenant, agent } = record;
    const writes: NonNullable<TransactWriteCommandInput['TransactItems']> = [];
    if (effects.log) {
      const { entry, expiresAt } = effects.log;
      writes.push({
        Put: {
          TableName: this.table,
          // Deterministic sort key: a retried write overwrites its own entry instead of logging the change twice.
          Item: {
            pk: logPk(tenant, agent),
            sk: `${entry.at}#${entry.from}>${entry.to}`,
            kind: 'status-log',
            ...entry,
            ttl: expiresAt,
          },
        },
      });
    }
    if (effects.sessionStart) {
      const { session, expiresAt } = effects.sessionStart;
      writes.push({
        Put: {
          TableName: this.table,
          Item: { pk: sessionPk(tenant, agent), sk: session.startedAt, kind: 'session', ...session, ttl: expiresAt },
        },
      });
    }
    if (effects.sessionEnd) {
      const { startedAt, endedAt, endedBy } = effects.sessionEnd;
      writes.push({
        Update: {
          TableName: this.table,
          Key: { pk: sessionPk(tenant, agent), sk: startedAt },
          UpdateExpression: 'SET endedAt = :e, endedBy = :b, #tenant = :t, #agent = :a, startedAt = :s, kind = :k',
          ExpressionAttributeNames: { '#tenant': 'tenant', '#agent': 'agent' },
          ExpressionAttributeValues: {
            ':e': endedAt,
            ':b': endedBy,
            ':t': tenant,
            ':a': agent,
            ':s': startedAt,
            ':k': 'session',
          },
        },
      });
    }
    if (effects.sync) writes.push({ Put: syncQueuePut(this.table, effects.sync) });
    return writes;
  }

  async list(
    tenant: string,
    filter: { statuses?: readonly StatusCode[]; cursor?: string; limit: number },
  ): Promise<StatusPage> {
    const after = filter.cursor === undefined || filter.cursor === '' ? '' : agentAfterCursor(filter.cursor);
    const limit = filter.limit;
    if (!filter.statuses || filter.statuses.length === 0) {
      const out = await this.client.send(
        new QueryCommand({
          TableName: this.table,
          KeyConditionExpression: after ? 'pk = :pk AND sk BETWEEN :from AND :to' : 'pk = :pk AND begins_with(sk, :a)',
          ExpressionAttributeValues: after
            ? { ':pk': statusPk(tenant), ':from': `${agentSk(after)}\u0000`, ':to': 'A$' }
            : { ':pk': statusPk(tenant), ':a': 'A#' },
          Limit: limit,
        }),
      );
      const items = (out.Items ?? []).map(toStatus);
      const last = items.at(-1);
      return out.LastEvaluatedKey && last ? { items, cursor: cursorAfter(last.agent) } : { items };
    }
    // One Query per status on gsi1 (agents sorted by id in each), merged in id order: a page is the `limit` smallest.
    const pages = await Promise.all(
      [...new Set(filter.statuses)].map((status) =>
        this.client.send(
          new QueryCommand({
            TableName: this.table,
            IndexName: 'gsi1',
            KeyConditionExpression: after ? 'gsi1pk = :p AND gsi1sk > :after' : 'gsi1pk = :p',
            ExpressionAttributeValues: after
              ? { ':p': byStatusPk(tenant, status), ':after': after }
              : { ':p': byStatusPk(tenant, status) },
            Limit: limit,
          }),
        ),
      ),
    );
    const merged = pages.flatMap((p) => (p.Items ?? []).map(toStatus)).sort((a, b) => cmp(a.agent, b.agent));
    const items = merged.slice(0, limit);
    const more = merged.length > limit || pages.some((p) => p.LastEvaluatedKey);
    const last = items.at(-1);
    return more && last ? { items, cursor: cursorAfter(last.agent) } : { items };
  }

  async readLog(tenant: string, agent: string, fromIso: string, toIso: string): Promise<StatusLogEntry[]> {
    const { items } = await queryAll(this.client, {
      TableName: this.table,
      KeyConditionExpression: 'pk = :pk AND sk BETWEEN :from AND :to',
      FilterExpression: '#ttl > :now',
      ExpressionAttributeNames: { '#ttl': 'ttl' },
      ExpressionAttributeValues: { ':pk': logPk(tenant, agent), ':from': fromIso, ':to': toIso, ':now': this.nowSec() },
    });
    return items.map(toLog).filter((e) => e.at < toIso);
  }

  async lastLogBefore(tenant: string, agent: string, iso: string): Promise<StatusLogEntry | undefined> {
    const out = await this.client.send(
      new QueryCommand({
        TableName: this.table,
        KeyConditionExpression: 'pk = :pk AND sk < :iso',
        ExpressionAttributeValues: { ':pk': logPk(tenant, agent), ':iso': iso },
        ScanIndexForward: false,
        Limit: 1,
      }),
    );
    const item = out.Items?.[0];
    return item && Number(item.ttl) > this.nowSec() ? toLog(item) : undefined;
  }

  async listSessions(tenant: string, agent: string, fromIso: string, toIso: string): Promise<AgentSession[]> {
    const { items } = await queryAll(this.client, {
      TableName: this.table,
      KeyConditionExpression: 'pk = :pk AND sk BETWEEN :from AND :to',
      ExpressionAttributeValues: { ':pk': sessionPk(tenant, agent), ':from': fromIso, ':to': toIso },
    });
    return items.map((i) => {
      const { pk: _p, sk: _s, kind: _k, ttl: _t, ...rest } = i;
      return rest as unknown as AgentSession;
    });
  }

  private nowSec(): number {
    return epochSeconds(this.clock.now());
  }
}

const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
const cursorAfter = (agent: string) => encodeCursor({ a: agent }) as string;
/** The agent id a status-list cursor carries; anything else is a 400 (it becomes part of a key condition). */
function agentAfterCursor(cursor: string): string {
  const decoded = decodeCursor(cursor);
  const agent = decoded && Object.keys(decoded).length === 1 && Object.hasOwn(decoded, 'a') ? decoded.a : undefined;
  if (typeof agent !== 'string' || !USER_ID_PATTERN.test(agent))
    throw new BadRequestError('BAD_CURSOR', 'Invalid cursor: pass back a cursor this listing returned');
  return agent;
}

function toLog(item: Item): StatusLogEntry {
  return {
    tenant: String(item.tenant),
    agent: String(item.agent),
    from: item.from as StatusCode,
    to: item.to as StatusCode,
    at: String(item.at),
    source: item.source as StatusLogEntry['source'],
    ...(item.by ? { by: String(item.by) } : {}),
  };
}

export class DynamoPresenceStore implements PresenceStore {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  async touch(tenant: string, agent: string, nowMs: number, deadlineMs: number, minIntervalMs: number) {
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.table,
          Key: { pk: statusPk(tenant), sk: `P#${agent}` },
          UpdateExpression:
            'SET lastSeen = :now, deadline = :d, #tenant = :t, #agent = :a, gsi1pk = :gp, gsi1sk = :gs, #ttl = :ttl, kind = :k',
          ConditionExpression: 'attribute_not_exists(lastSeen) OR lastSeen <= :cut',
          ExpressionAttributeNames: { '#ttl': 'ttl', '#tenant': 'tenant', '#agent': 'agent' },
          ExpressionAttributeValues: {
            ':now': nowMs,
            ':d': deadlineMs,
            ':t': tenant,
            ':a': agent,
            ':gp': `PRESENCE#${shardOf(tenant, agent)}`,
            ':gs': `${pad(deadlineMs)}#${tenant}#${agent}`,
            // Presence outlives any deadline by a day; a forgotten item costs nothing after that.
            ':ttl': epochSeconds(deadlineMs) + 86_400,
            ':k': 'presence',
            ':cut': nowMs - minIntervalMs,
          },
        }),
      );
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  }

  async due(nowMs: number, limit: number) {
    const shards = await Promise.all(
      Array.from({ length: PRESENCE_SHARDS }, (_, n) =>
        queryAll(
          this.client,
          {
            TableName: this.table,
            IndexName: 'gsi1',
            KeyConditionExpression: 'gsi1pk = :p AND gsi1sk < :now',
            ExpressionAttributeValues: { ':p': `PRESENCE#${n}`, ':now': pad(nowMs) },
          },
          limit,
        ),
      ),
    );
    return shards
      .flatMap((s) => s.items)
      .map((item) => {
        // Parsed from the index key itself, so the sweep works whatever the index projects.
        const [deadline, tenant, agent] = String(item.gsi1sk).split('#') as [string, string, string];
        return { tenant, agent, deadline: Number(deadline) };
      })
      .sort((a, b) => a.deadline - b.deadline)
      .slice(0, limit);
  }

  async clear(tenant: string, agent: string, deadline: number) {
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.table,
          Key: { pk: statusPk(tenant), sk: `P#${agent}` },
          UpdateExpression: 'REMOVE gsi1pk, gsi1sk',
          ConditionExpression: 'deadline = :d',
          ExpressionAttributeValues: { ':d': deadline },
        }),
      );
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  }

  async touchSupervisor(tenant: string, user: string, nowMs: number, minIntervalMs: number) {
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.table,
          Key: { pk: statusPk(tenant), sk: `S#${user}` },
          UpdateExpression: 'SET lastSeen = :now, #user = :u, #ttl = :ttl, kind = :k',
          ConditionExpression: 'attribute_not_exists(lastSeen) OR lastSeen <= :cut',
          ExpressionAttributeNames: { '#ttl': 'ttl', '#user': 'user' },
          ExpressionAttributeValues: {
            ':now': nowMs,
            ':u': user,
            // A WebSocket lives at most 2 hours: a supervisor silent for longer has no connection to push to.
            ':ttl': epochSeconds(nowMs) + 2 * 3600 + 600,
            ':k': 'supervisor-presence',
            ':cut': nowMs - minIntervalMs,
          },
        }),
      );
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  }

  async supervisors(tenant: string, nowMs: number): Promise<string[]> {
    const { items } = await queryAll(this.client, {
      TableName: this.table,
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :s)',
      FilterExpression: '#ttl > :now',
      ExpressionAttributeNames: { '#ttl': 'ttl' },
      ExpressionAttributeValues: { ':pk': statusPk(tenant), ':s': 'S#', ':now': epochSeconds(nowMs) },
    });
    return items.map((i) => String(i.user));
  }
}

function toRequest(item: Item): StatusRequest {
  const { pk: _p, sk: _s, kind: _k, ttl: _t, ...rest } = item;
  return rest as unknown as StatusRequest;
}

export class DynamoApprovalStore implements ApprovalStore {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly table: string,
    private readonly clock: Clock,
  ) {}

  private key(tenant: string, id: string) {
    return { pk: `T#${tenant}#REQ`, sk: `R#${id}` };
  }

  async create(request: StatusRequest, expiresAt: number): Promise<void> {
    await this.client.send(
      new PutCommand({
        TableName: this.table,
        Item: { ...this.key(request.tenant, request.id), kind: 'status-request', ...request, ttl: expiresAt },
        ConditionExpression: 'attribute_not_exists(pk)',
      }),
    );
  }

  async get(tenant: string, id: string): Promise<StatusRequest | undefined> {
    const out = await this.client.send(
      new GetCommand({ TableName: this.table, Key: this.key(tenant, id), ConsistentRead: true }),
    );
    return out.Item ? toRequest(out.Item) : undefined;
  }

  async decide(tenant: string, id: string, state: Exclude<RequestState, 'pending'>, by: string, atIso: string) {
    try {
      const out = await this.client.send(
        new UpdateCommand({
          TableName: this.table,
          Key: this.key(tenant, id),
          UpdateExpression: 'SET #state = :s, decidedBy = :by, decidedAt = :at',
          // The race is decided here: only a still-pending (and unexpired) request can be decided.
          ConditionExpression: '#state = :pending AND #ttl > :now',
          ExpressionAttributeNames: { '#state': 'state', '#ttl': 'ttl' },
          ExpressionAttributeValues: {
            ':s': state,
            ':by': by,
            ':at': atIso,
            ':pending': 'pending',
            ':now': epochSeconds(this.clock.now()),
          },
          ReturnValues: 'ALL_NEW',
        }),
      );
      return { won: true, request: out.Attributes ? toRequest(out.Attributes) : undefined };
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
      return { won: false, request: await this.get(tenant, id) };
    }
  }

  async listPending(tenant: string): Promise<StatusRequest[]> {
    const { items } = await queryAll(this.client, {
      TableName: this.table,
      KeyConditionExpression: 'pk = :pk',
      FilterExpression: '#state = :pending AND #ttl > :now',
      ExpressionAttributeNames: { '#state': 'state', '#ttl': 'ttl' },
      ExpressionAttributeValues: {
        ':pk': `T#${tenant}#REQ`,
        ':pending': 'pending',
        ':now': epochSeconds(this.clock.now()),
      },
    });
    return items.map(toRequest);
  }
}

/**
 * Custom reasons. Reads are cached per execution environment for `cacheMs` (the agent-event consumer needs them for
 * every batch); writes through this instance invalidate its cache, other environments catch up within `cacheMs`.
 */
export class DynamoReasonStore implements ReasonStore {
  private readonly cache = new Map<string, { at: number; value: unknown }>();

  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly table: string,
    private readonly clock: Clock,
    private readonly cacheMs = 30_000,
  ) {}

  private async cached<T>(key: string, load: () => Promise<T>): Promise<T> {
    const hit = this.cache.get(key);
    if (hit && this.clock.now() - hit.at < this.cacheMs) return hit.value as T;
    const value = await load();
    if (this.cache.size > 5_000) this.cache.clear();
    this.cache.set(key, { at: this.clock.now(), value });
    return value;
  }

  private async readList(tenant: string): Promise<{ reasons: StatusReason[]; version: number }> {
    const out = await this.client.send(
      new GetCommand({ TableName: this.table, Key: { pk: `T#${tenant}#REASONS`, sk: 'LIST' }, ConsistentRead: true }),
    );
    return {
      reasons: (out.Item?.reasons as StatusReason[] | undefined) ?? [],
      version: Number(out.Item?.version ?? 0),
    };
  }

  list(tenant: string): Promise<StatusReason[]> {
    return this.cached(`reasons:${tenant}`, async () => (await this.readList(tenant)).reasons);
  }

  private async writeList(
    tenant: string,
    mutate: (reasons: StatusReason[]) => StatusReason[],
  ): Promise<StatusReason[]> {
    for (let attempt = 0; attempt < 3; attempt++) {
      const { reasons, version } = await this.readList(tenant);
      const next = mutate(reasons);
      try {
        await this.client.send(
          new PutCommand({
            TableName: this.table,
            Item: {
              pk: `T#${tenant}#REASONS`,
              sk: 'LIST',
              kind: 'status-reasons',
              reasons: next,
              version: version + 1,
            },
            ConditionExpression: 'attribute_not_exists(pk) OR version = :v',
            ExpressionAttributeValues: { ':v': version },
          }),
        );
        this.cache.delete(`reasons:${tenant}`);
        return next;
      } catch (error) {
        if (!isConditionFailure(error)) throw error;
      }
    }
    throw new ConflictError('The reasons changed concurrently; read them again and retry', 'REASONS_CONFLICT');
  }

  async create(tenant: string, reason: StatusReason): Promise<StatusReason> {
    await this.writeList(tenant, (reasons) => {
      const active = reasons.filter((r) => !r.retired);
      if (active.length >= MAX_REASONS)
        throw new ConflictError(
          `A tenant has at most ${MAX_REASONS} active reasons; retire one first`,
          'TOO_MANY_REASONS',
        );
      assertUniqueName(active, reason.name, reason.id);
      return [...reasons, reason];
    });
    return reason;
  }

  async update(
    tenant: string,
    id: string,
    patch: Partial<Pick<StatusReason, 'name' | 'needsApproval' | 'retired' | 'connectAgentStatusId'>>,
  ): Promise<StatusReason> {
    let updated: StatusReason | undefined;
    await this.writeList(tenant, (reasons) => {
      const current = reasons.find((r) => r.id === id);
      if (!current) throw new NotFoundError(`No reason ${id}`, 'REASON_NOT_FOUND');
      updated = { ...current, ...patch };
      if (current.retired && patch.retired === false && reasons.filter((r) => !r.retired).length >= MAX_REASONS)
        throw new ConflictError(`A tenant has at most ${MAX_REASONS} active reasons`, 'TOO_MANY_REASONS');
      if (!updated.retired)
        assertUniqueName(
          reasons.filter((r) => !r.retired),
          updated.name,
          id,
        );
      const done = updated;
      return reasons.map((r) => (r.id === id ? done : r));
    });
    return updated as StatusReason;
  }
}

function assertUniqueName(active: readonly StatusReason[], name: string, id: string): void {
  if (active.some((r) => r.id !== id && r.name.toLowerCase() === name.toLowerCase()))
    throw new ConflictError(`An active reason is already named "${name}"`, 'REASON_NAME_TAKEN');
}
