import { type DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { Clock } from '#domain/clock.ts';
import { ConflictError } from '#domain/errors.ts';
import type { StatusReason } from '#domain/status.ts';
import type { ReasonStore } from '#domain/status-ports.ts';
import { isConditionFailure } from './dynamo.ts';
import { reasonsKey } from './status-keys.ts';

/** A stored reason, field by field. */
function toReason(value: unknown): StatusReason {
  const r = value as Record<string, unknown>;
  return {
    id: String(r.id),
    name: String(r.name),
    needsApproval: r.needsApproval === true,
    retired: r.retired === true,
    ...(r.connectAgentStatusId === undefined ? {} : { connectAgentStatusId: String(r.connectAgentStatusId) }),
  };
}

/**
 * Custom reasons: one item per tenant holding the list, changed by optimistic concurrency (the rules — at most 50
 * active, unique active names — are the domain's: domain/status-reasons.ts). Reads are cached per execution
 * environment for `cacheMs` (the agent-event consumer needs them for every batch); writes through this instance
 * invalidate its cache, other environments catch up within `cacheMs`.
 */
export class DynamoReasonStore implements ReasonStore {
  private readonly cache = new Map<string, { at: number; value: StatusReason[] }>();

  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly table: string,
    private readonly clock: Clock,
    private readonly cacheMs = 30_000,
  ) {}

  private async readList(tenant: string): Promise<{ reasons: StatusReason[]; version: number }> {
    const out = await this.client.send(
      new GetCommand({ TableName: this.table, Key: reasonsKey(tenant), ConsistentRead: true }),
    );
    return {
      reasons: ((out.Item?.reasons as unknown[] | undefined) ?? []).map(toReason),
      version: Number(out.Item?.version ?? 0),
    };
  }

  async list(tenant: string): Promise<StatusReason[]> {
    const hit = this.cache.get(tenant);
    if (hit && this.clock.now() - hit.at < this.cacheMs) return hit.value;
    const value = (await this.readList(tenant)).reasons;
    if (this.cache.size > 5_000) this.cache.clear();
    this.cache.set(tenant, { at: this.clock.now(), value });
    return value;
  }

  async change(tenant: string, mutate: (reasons: StatusReason[]) => StatusReason[]): Promise<StatusReason[]> {
    for (let attempt = 0; attempt < 3; attempt++) {
      const { reasons, version } = await this.readList(tenant);
      const next = mutate(reasons);
      try {
        await this.client.send(
          new PutCommand({
            TableName: this.table,
            Item: { ...reasonsKey(tenant), kind: 'status-reasons', reasons: next, version: version + 1 },
            ConditionExpression: 'attribute_not_exists(pk) OR version = :v',
            ExpressionAttributeValues: { ':v': version },
          }),
        );
        this.cache.delete(tenant);
        return next;
      } catch (error) {
        if (!isConditionFailure(error)) throw error;
      }
    }
    throw new ConflictError('The reasons changed concurrently; read them again and retry', 'REASONS_CONFLICT');
  }
}
