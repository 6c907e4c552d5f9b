import { type DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { TelemetryStateStore } from '#domain/alerts/model.ts';
import type { Breach, TelemetryState } from '#domain/alerts/rules.ts';
import type { RuleId } from '#domain/alerts/schemas.ts';
import type { Clock } from '#domain/clock.ts';
import { epochSeconds } from '#domain/clock.ts';
import { batchGetAll, type Item, isConditionFailure } from './dynamo.ts';

/**
 * Per-agent breach state of the telemetry processor: `pk = T#<t>#TELEM`, `sk = A#<agent>`, written only on
 * transitions, conditionally on `version`. It expires a day after the last transition (no session is longer).
 */
const pk = (tenant: string) => `T#${tenant}#TELEM`;
const sk = (agent: string) => `A#${agent}`;
const STATE_TTL_SECONDS = 86_400;

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

  async getMany(tenant: string, agents: readonly string[]): Promise<Map<string, TelemetryState>> {
    const items = await batchGetAll(
      this.client,
      this.table,
      agents.map((a) => ({ pk: pk(tenant), sk: sk(a) })),
    );
    const now = epochSeconds(this.clock.now());
    const found = new Map<string, TelemetryState>();
    for (const item of items) if (Number(item.ttl) > now) found.set(String(item.agent), toState(item));
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
          ConditionExpression: 'attribute_not_exists(pk) OR version = :v',
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
