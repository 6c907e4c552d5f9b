import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import {
  type DynamoDBDocumentClient,
  PutCommand,
  TransactWriteCommand,
  type TransactWriteCommandInput,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import {
  type AgentStatsReader,
  type DayCounters,
  decodeDayCounters,
  type LastHeartbeat,
  localDate,
} from '#domain/agent-stats.ts';
import type { Clock } from '#domain/clock.ts';
import { batchGetAll, isConditionFailure } from './dynamo.ts';

/**
 * The dashboard's counter records on the single table, one per tenant + agent + local day:
 *
 *   pk T#<t>#STATS#<agent>   sk D#<YYYY-MM-DD>   flat numeric counters (`al.<rule>.<outcome>`, `rc.<category>`,
 *                                                `rs.<severity>`, `hb.<result>`) and `hbLast`; TTL 400 days
 *
 * Written only as one more action of the transaction that records a fact under its own condition (an alert raised
 * once, closed once; a report stored once; a heartbeat finished once): a retry or a duplicate fails that condition,
 * the whole transaction is cancelled, and nothing is counted twice. Read with BatchGetItem, agents × days keys.
 */
export const statsKey = (tenant: string, agent: string, day: string) => ({
  pk: `T#${tenant}#STATS#${agent}`,
  sk: `D#${day}`,
});

/** Past the longest retention of what they count (alerts ≤ 400 days), counters of a day expire. */
const STATS_RETENTION_DAYS = 400;
/** A tenant's time zone changes rarely: read at most once a minute per execution environment. */
const ZONE_CACHE_MS = 60_000;

export type TransactItem = NonNullable<TransactWriteCommandInput['TransactItems']>[number];

/** Builds the counter actions that ride along with the facts' writes. */
export class AgentStatsCounters {
  private readonly zones = new Map<string, { at: number; zone: Promise<string> }>();

  constructor(
    private readonly table: string,
    private readonly zoneOf: (tenant: string) => Promise<string>,
    private readonly clock: Clock,
  ) {}

  /** The tenant's local date of an instant (its current `general.timeZone`). */
  async dayOf(tenant: string, instantMs: number): Promise<string> {
    const now = this.clock.now();
    let hit = this.zones.get(tenant);
    if (!hit || now - hit.at >= ZONE_CACHE_MS) {
      const zone = this.zoneOf(tenant);
      zone.catch(() => this.zones.delete(tenant));
      hit = { at: now, zone };
      this.zones.set(tenant, hit);
    }
    return localDate(instantMs, await hit.zone);
  }

  /** `ADD` 1 to each named counter of the agent's day (creating the record), optionally setting `hbLast`. */
  increment(
    tenant: string,
    agent: string,
    day: string,
    counters: readonly string[],
    last?: LastHeartbeat,
  ): TransactItem {
    // Every attribute through a placeholder: `agent`, `day`, `ttl` and others are DynamoDB reserved words.
    const names: Record<string, string> = {
      '#ttl': 'ttl',
      '#day': 'day',
      '#kind': 'kind',
      '#tenant': 'tenant',
      '#agent': 'agent',
    };
    if (last) names['#last'] = 'hbLast';
    counters.forEach((c, i) => {
      names[`#c${i}`] = c;
    });
    const expires = Math.floor(Date.parse(`${day}T00:00:00Z`) / 1000) + STATS_RETENTION_DAYS * 86_400;
    return {
      Update: {
        TableName: this.table,
        Key: statsKey(tenant, agent, day),
        UpdateExpression: `ADD ${counters.map((_, i) => `#c${i} :one`).join(', ')} SET #kind = :k, #tenant = :t, #agent = :a, #day = :d, #ttl = if_not_exists(#ttl, :ttl)${
          last ? ', #last = :last' : ''
        }`,
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: {
          ':one': 1,
          ':k': 'agent-stats',
          ':t': tenant,
          ':a': agent,
          ':d': day,
          ':ttl': expires,
          ...(last ? { ':last': last } : {}),
        },
      },
    };
  }
}

const MAX_CONFLICT_ATTEMPTS = 4;

/**
 * Writes a fact — its first action carries the condition that makes it happen once — together with the other actions
 * (a second item of the fact, counters) as one transaction. False when a condition failed (the fact exists already, or
 * its state moved on): nothing was written. Transaction conflicts (another transaction on one of the items right now)
 * are retried. A single action is sent as the plain Put/Update it is (half the write cost of a transaction).
 */
export async function writeFact(client: DynamoDBDocumentClient, actions: readonly TransactItem[]): Promise<boolean> {
  const [only] = actions;
  if (actions.length === 1 && only) {
    try {
      if (only.Put) await client.send(new PutCommand(only.Put));
      else if (only.Update) await client.send(new UpdateCommand(only.Update));
      else throw new Error('writeFact writes Put or Update actions');
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  }
  for (let attempt = 1; ; attempt++) {
    try {
      await client.send(new TransactWriteCommand({ TransactItems: [...actions] }));
      return true;
    } catch (error) {
      if (!(error instanceof TransactionCanceledException)) throw error;
      const codes = (error.CancellationReasons ?? []).map((r) => r.Code);
      if (codes.includes('ConditionalCheckFailed')) return false;
      if (!codes.includes('TransactionConflict') || attempt >= MAX_CONFLICT_ATTEMPTS) throw error;
      await new Promise((r) => setTimeout(r, Math.random() * 20 * 2 ** attempt));
    }
  }
}

export class DynamoAgentStatsReader implements AgentStatsReader {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  async days(
    tenant: string,
    agents: readonly string[],
    days: readonly string[],
  ): Promise<Map<string, Map<string, DayCounters>>> {
    const keys = [...new Set(agents)].flatMap((agent) => days.map((day) => statsKey(tenant, agent, day)));
    const out = new Map<string, Map<string, DayCounters>>();
    if (keys.length === 0) return out;
    for (const item of await batchGetAll(this.client, this.table, keys, { concurrency: 8 })) {
      // The key names the agent and the day; the item's own attributes are not trusted for that.
      const agent = String(item.pk).slice(`T#${tenant}#STATS#`.length);
      const day = String(item.sk).slice(2);
      const perAgent = out.get(agent) ?? new Map<string, DayCounters>();
      perAgent.set(day, decodeDayCounters(item));
      out.set(agent, perAgent);
    }
    return out;
  }
}
