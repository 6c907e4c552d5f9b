import { type DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { AgentReading, TelemetryStateStore } from '#domain/alerts/model.ts';
import { type Breach, emptyState, type TelemetryState } from '#domain/alerts/rules.ts';
import type { RuleId } from '#domain/alerts/schemas.ts';
import type { Clock } from '#domain/clock.ts';
import { epochSeconds } from '#domain/clock.ts';
import type { TransactItem } from './agent-stats-repository.ts';
import { batchGetAll, type Item, isConditionFailure } from './dynamo.ts';
import { agentSk, statusPk } from './status-keys.ts';
import { toStatus } from './status-store.ts';

/**
 * Per-agent breach state of the telemetry processor: `pk = T#<t>#TELEM`, `sk = A#<agent>`, written only on
 * transitions, conditionally on `version`. It expires a day after the last transition (no session is longer).
 */
const pk = (tenant: string) => `T#${tenant}#TELEM`;
const sk = (agent: string) => `A#${agent}`;
const STATE_TTL_SECONDS = 86_400;
/** The condition every write of an agent's state holds to: the version it was read at (0: no item). */
const AT_VERSION = 'attribute_not_exists(pk) OR version = :v';

/**
 * A transaction action that holds only while the agent's stored state is at `version`: the alert store adds it to a
 * raise, so that a processor whose state was moved on by another one raises nothing.
 */
export function stateAtVersion(table: string, tenant: string, agent: string, version: number): TransactItem {
  return {
    ConditionCheck: {
      TableName: table,
      Key: { pk: pk(tenant), sk: sk(agent) },
      ConditionExpression: AT_VERSION,
      ExpressionAttributeValues: { ':v': version },
    },
  };
}

function toState(item: Item): TelemetryState {
  const breaches: Partial<Record<RuleId, Breach>> = {};
  for (const [rule, value] of Object.entries((item.breaches ?? {}) as Record<string, Record<string, unknown>>)) {
    breaches[rule as RuleId] = { since: Number(value.since), ...(value.fired === true ? { fired: true } : {}) };
  }
  const raised: Partial<Record<RuleId, string>> = {};
  for (const [rule, id] of Object.entries((item.raised ?? {}) as Record<string, unknown>))
    raised[rule as RuleId] = String(id);
  return {
    ...(typeof item.contactId === 'string' ? { contactId: item.contactId } : {}),
    lastT: Number(item.lastT ?? 0),
    breaches,
    raised,
    version: Number(item.version ?? 0),
  };
}

export class DynamoTelemetryStateStore implements TelemetryStateStore {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly table: string,
    private readonly clock: Clock,
  ) {}

  /**
   * Status records (status adapter's layout) and states of the agents in one consistent BatchGetItem per 100 keys:
   * the processor needs both for every agent of every batch.
   */
  async readAgents(tenant: string, agents: readonly string[]): Promise<Map<string, AgentReading>> {
    const statusPartition = statusPk(tenant);
    const statePartition = pk(tenant);
    const unique = [...new Set(agents)];
    const keys = unique.flatMap((a) => [
      { pk: statusPartition, sk: agentSk(a) },
      { pk: statePartition, sk: sk(a) },
    ]);
    // The key names the agent (the `agent` attribute is not trusted for that): sort keys back to agents, per kind.
    const statusAgents = new Map(unique.map((a) => [agentSk(a), a]));
    const stateAgents = new Map(unique.map((a) => [sk(a), a]));
    const now = epochSeconds(this.clock.now());
    const found = new Map<string, { status?: AgentReading['status']; state?: TelemetryState }>();
    const entry = (agent: string) => {
      let e = found.get(agent);
      if (!e) {
        e = {};
        found.set(agent, e);
      }
      return e;
    };
    for (const item of await batchGetAll(this.client, this.table, keys)) {
      const statusOf = item.pk === statusPartition ? statusAgents.get(String(item.sk)) : undefined;
      const stateOf = item.pk === statePartition ? stateAgents.get(String(item.sk)) : undefined;
      if (statusOf !== undefined) entry(statusOf).status = toStatus(item);
      // An expired state (TTL deletes lazily) counts as none, but keeps its version: the next save is conditional on it.
      else if (stateOf !== undefined)
        entry(stateOf).state =
          Number(item.ttl) > now ? toState(item) : { ...emptyState(), version: Number(item.version) };
    }
    return found;
  }

  async save(tenant: string, agent: string, state: TelemetryState): Promise<boolean> {
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.table,
          Item: {
            pk: pk(tenant),
            sk: sk(agent),
            kind: 'telemetry-state',
            tenant,
            agent,
            ...(state.contactId ? { contactId: state.contactId } : {}),
            lastT: state.lastT,
            breaches: state.breaches,
            raised: state.raised,
            version: state.version + 1,
            ttl: epochSeconds(this.clock.now()) + STATE_TTL_SECONDS,
          },
          ConditionExpression: AT_VERSION,
          ExpressionAttributeValues: { ':v': state.version },
        }),
      );
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  }
}
