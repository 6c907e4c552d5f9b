/**
 * The irreducible work of a status change, against the local stores of a running runtime, with bare SDK clients and
 * no handler: the commit's TransactWriteItems (the record — conditional on its version —, the log entry and the
 * Connect-sync item, the shapes the status store writes) and one PutRecord on the status feed stream. Run closed-loop
 * by `concurrency` workers for `seconds`: the changes/s the stores sustain on this machine, whatever our code does.
 */
import { KinesisClient, PutRecordCommand } from '@aws-sdk/client-kinesis';
import { TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { syncQueuePut } from '../functions/adapters/connect-sync-queue.ts';
import { createDocumentClient } from '../functions/adapters/dynamo.ts';
import { agentSk, byStatusPk, logPk, statusPk } from '../functions/adapters/status-keys.ts';
import { LOCAL_REGION, STREAM_NAMES } from '../lib/local/runtime-options.ts';
import { TABLES } from '../lib/tables.ts';

/** An instance no deployment serves: the items queue for it and no worker ever sends them. */
const NOWHERE = 'arn:aws:connect:us-east-1:000000000000:instance/00000000-0000-4000-8000-000000000000';
const TENANT = 'bench-limit';

export interface StoreLimit {
  readonly changes: number;
  readonly seconds: number;
  readonly concurrency: number;
  readonly changes_per_s: number;
  readonly errors: number;
}

export async function storeLimit(
  endpoints: { readonly dynamodb: string; readonly kinesis: string },
  options: { readonly concurrency: number; readonly seconds: number },
): Promise<StoreLimit> {
  const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };
  const db = createDocumentClient({ endpoint: endpoints.dynamodb, region: LOCAL_REGION, credentials });
  const kinesis = new KinesisClient({ endpoint: endpoints.kinesis, region: LOCAL_REGION, credentials });
  const table = TABLES.main.id;
  const statuses = ['available', 'busy', 'away'] as const;
  let changes = 0;
  let errors = 0;
  const start = Date.now();
  const until = start + options.seconds * 1000;
  const worker = async (w: number) => {
    // Each worker its own agent: no two changes of one agent at once, as in the bench (versions never collide).
    const agent = `limit-${w}`;
    for (let version = 0; Date.now() < until; ) {
      const status = statuses[version % statuses.length] as string;
      const at = new Date().toISOString();
      const record = {
        tenant: TENANT,
        agent,
        status,
        since: at,
        source: 'agent',
        by: agent,
        contacts: 0,
        queues: ['q1'],
        team: 'team-1',
        version: version + 1,
        sessionStart: at,
      };
      try {
        await db.send(
          new TransactWriteCommand({
            TransactItems: [
              {
                Put: {
                  TableName: table,
                  Item: {
                    ...record,
                    pk: statusPk(TENANT),
                    sk: agentSk(agent),
                    kind: 'agent-status',
                    gsi1pk: byStatusPk(TENANT, status),
                    gsi1sk: agent,
                  },
                  ...(version === 0
                    ? { ConditionExpression: 'attribute_not_exists(pk)' }
                    : { ConditionExpression: 'version = :v', ExpressionAttributeValues: { ':v': version } }),
                },
              },
              {
                Put: {
                  TableName: table,
                  Item: {
                    pk: logPk(TENANT, agent),
                    sk: `${at}#${version}`,
                    kind: 'status-log',
                    tenant: TENANT,
                    agent,
                    from: 'offline',
                    to: status,
                    at,
                    source: 'agent',
                    by: agent,
                    ttl: Math.floor(Date.now() / 1000) + 86_400,
                  },
                },
              },
              {
                Put: syncQueuePut(table, {
                  instanceArn: NOWHERE,
                  tenant: TENANT,
                  agent,
                  status: status as 'available',
                  seq: version + 1,
                  enqueuedAt: Date.now(),
                }),
              },
            ],
          }),
        );
        const event = { type: 'status', agent, status, label: status, previous: 'offline', since: at, contacts: 0 };
        await kinesis.send(
          new PutRecordCommand({
            StreamName: STREAM_NAMES.statusFeed,
            PartitionKey: TENANT,
            Data: Buffer.from(
              JSON.stringify({ tenant: TENANT, event: { ...event, source: 'agent', queues: ['q1'] }, agent }),
            ),
          }),
        );
        changes++;
        version++;
      } catch {
        errors++;
      }
    }
  };
  try {
    await Promise.all(Array.from({ length: options.concurrency }, (_, w) => worker(w)));
  } finally {
    db.destroy();
    kinesis.destroy();
  }
  const seconds = (Date.now() - start) / 1000;
  return {
    changes,
    seconds: Math.round(seconds * 10) / 10,
    concurrency: options.concurrency,
    changes_per_s: Math.round(changes / seconds),
    errors,
  };
}
