import { PutRecordsCommand } from '@aws-sdk/client-kinesis';
import { DynamoDirectoryRepository } from '../../functions/adapters/directory-repository.ts';
import { createDocumentClient } from '../../functions/adapters/dynamo.ts';
import { TABLES } from '../tables.ts';
import { CallSimulator } from './call-simulator.ts';
import { localKinesisClient } from './kinesis.ts';
import type { RuntimeLog } from './runtime.ts';

/**
 * Wires the call simulator into the local runtime: its agent events go to the local agent-event stream (where the
 * very consumer CDK deploys picks them up) and Connect's view of an agent (team, queues, name) comes from the local
 * directory, so a simulated call does not wipe what the demo seeded.
 */
export function startCallSimulator(
  streamName: string,
  kinesisEndpoint: string,
  dynamoEndpoint: string,
  log: RuntimeLog,
): { calls: CallSimulator; close(): Promise<void> } {
  const kinesis = localKinesisClient(kinesisEndpoint);
  const documents = createDocumentClient({
    endpoint: dynamoEndpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  const directory = new DynamoDirectoryRepository(documents, TABLES.main.id);
  const calls = new CallSimulator({
    writeAgentEvents: async (records) => {
      const out = await kinesis.send(
        new PutRecordsCommand({
          StreamName: streamName,
          Records: records.map((r) => ({
            PartitionKey: r.partitionKey,
            Data: Buffer.from(JSON.stringify(r.data)),
          })),
        }),
      );
      if (out.FailedRecordCount) throw new Error(`${out.FailedRecordCount} agent events were not written`);
    },
    profileOf: async (tenant, agent) => {
      const profile = await directory.get(tenant, agent);
      return (
        profile && {
          displayName: profile.displayName,
          queues: profile.queues,
          ...(profile.team ? { team: profile.team } : {}),
        }
      );
    },
    log,
  });
  return {
    calls,
    async close() {
      await calls.idle();
      kinesis.destroy();
      documents.destroy();
    },
  };
}
