import { type DynamoDBDocumentClient, GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { Clock } from '#domain/clock.ts';
import { epochSeconds } from '#domain/clock.ts';
import type { StatusCode } from '#domain/status.ts';
import type { ApprovalStore, RequestState, StatusRequest } from '#domain/status-ports.ts';
import { type Item, isConditionFailure, queryAll } from './dynamo.ts';

/** A request item, field by field. */
function toRequest(item: Item): StatusRequest {
  return {
    tenant: String(item.tenant),
    id: String(item.id),
    agent: String(item.agent),
    status: item.status as StatusCode,
    label: String(item.label),
    state: item.state as RequestState,
    requestedAt: String(item.requestedAt),
    ...(item.decidedBy === undefined ? {} : { decidedBy: String(item.decidedBy) }),
    ...(item.decidedAt === undefined ? {} : { decidedAt: String(item.decidedAt) }),
  };
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
