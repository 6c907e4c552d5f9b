import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import {
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  TransactWriteCommand,
  type TransactWriteCommandInput,
} from '@aws-sdk/lib-dynamodb';
import type { Clock } from '#domain/clock.ts';
import { epochSeconds } from '#domain/clock.ts';
import { BadRequestError } from '#domain/errors.ts';
import { USER_ID_PATTERN } from '#domain/ids.ts';
import type { AgentStatus, ContactSummary, StatusCode, StatusLogEntry, StatusSource } from '#domain/status.ts';
import type { AgentSession, PersistedEffects, StatusPage, StatusStore } from '#domain/status-ports.ts';
import { syncQueuePut } from './connect-sync-queue.ts';
import { batchGetAll, decodeCursor, encodeCursor, type Item, isConditionFailure, queryAll } from './dynamo.ts';
import { agentSk, byStatusPk, logPk, sessionPk, statusPk } from './status-keys.ts';

/** Agents' current statuses with their log and sessions (written in one transaction with each change). */
/** A status item, field by field (keys, index attributes and kind stay behind; older items lack queues/contacts). */
export function toStatus(item: Item): AgentStatus {
  return {
    tenant: String(item.tenant),
    agent: String(item.agent),
    status: item.status as StatusCode,
    since: String(item.since),
    source: item.source as StatusSource,
    ...(item.by === undefined ? {} : { by: String(item.by) }),
    contacts: Number(item.contacts ?? 0),
    ...(item.currentContact === undefined ? {} : { currentContact: item.currentContact as ContactSummary }),
    ...(item.nextStatus === undefined ? {} : { nextStatus: String(item.nextStatus) }),
    ...(item.pendingRequest === undefined ? {} : { pendingRequest: String(item.pendingRequest) }),
    ...(item.team === undefined ? {} : { team: String(item.team) }),
    queues: ((item.queues as unknown[] | undefined) ?? []).map(String),
    version: Number(item.version),
    ...(item.aes === undefined ? {} : { aes: item.aes as NonNullable<AgentStatus['aes']> }),
    ...(item.sessionStart === undefined ? {} : { sessionStart: String(item.sessionStart) }),
    ...(item.profileFp === undefined ? {} : { profileFp: String(item.profileFp) }),
  };
}

function toSession(item: Item): AgentSession {
  return {
    tenant: String(item.tenant),
    agent: String(item.agent),
    startedAt: String(item.startedAt),
    startedBy: item.startedBy as StatusSource,
    ...(item.endedAt === undefined ? {} : { endedAt: String(item.endedAt) }),
    ...(item.endedBy === undefined ? {} : { endedBy: item.endedBy as StatusSource }),
  };
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
    filter: { statuses?: readonly StatusCode[]; cursor?: string | undefined; limit: number },
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
    return items.map(toSession);
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
