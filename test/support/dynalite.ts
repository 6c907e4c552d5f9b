import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { createDocumentClient } from '../../functions/adapters/dynamo.ts';
import { type LocalDynamo, startDynamo } from '../../lib/local/dynamodb.ts';

export interface TestDynamo {
  readonly dynamo: LocalDynamo;
  /** A document client on the in-memory dynalite, configured like the handlers' one. */
  readonly client: DynamoDBDocumentClient;
  /** The main table's name. */
  readonly table: string;
  readonly idempotencyTable: string;
  readonly clientConfig: ConstructorParameters<typeof DynamoDBClient>[0];
  close(): Promise<void>;
}

/** An in-memory dynalite on a random port with the project's tables created from lib/tables.ts. */
export async function startTestDynamo(): Promise<TestDynamo> {
  const dynamo = await startDynamo({ port: 0 });
  const clientConfig = {
    endpoint: dynamo.endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
  };
  const client = createDocumentClient(clientConfig);
  return {
    dynamo,
    client,
    table: dynamo.tableNames.main,
    idempotencyTable: dynamo.tableNames.idempotency,
    clientConfig,
    close: async () => {
      client.destroy();
      await dynamo.close();
    },
  };
}
