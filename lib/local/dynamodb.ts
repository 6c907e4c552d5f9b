import { fork } from 'node:child_process';
import type { Server } from 'node:http';
import { fileURLToPath } from 'node:url';
import type { CreateTableCommandInput } from '@aws-sdk/client-dynamodb';
import { CreateTableCommand, DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import dynalite from 'dynalite';
import { TABLES, type TableDefinition } from '../tables.ts';
import { addTransactions } from './dynamo-transactions.ts';
import { guardEmulator } from './emulator-guard.ts';
import { closeServerGracefully, listen } from './http-util.ts';
import type { KeyLocks } from './key-locks.ts';

/** The CreateTable input for a shared table definition (the same keys and indexes the CDK stack deploys). */
export function createTableInput(def: TableDefinition, tableName: string = def.id): CreateTableCommandInput {
  const attributes = new Set<string>([def.partitionKey]);
  if (def.sortKey) attributes.add(def.sortKey);
  for (const index of def.indexes) {
    attributes.add(index.partitionKey);
    attributes.add(index.sortKey);
  }
  return {
    TableName: tableName,
    BillingMode: 'PAY_PER_REQUEST',
    AttributeDefinitions: [...attributes].map((name) => ({ AttributeName: name, AttributeType: 'S' })),
    KeySchema: [
      { AttributeName: def.partitionKey, KeyType: 'HASH' },
      ...(def.sortKey ? [{ AttributeName: def.sortKey, KeyType: 'RANGE' as const }] : []),
    ],
    ...(def.indexes.length > 0
      ? {
          GlobalSecondaryIndexes: def.indexes.map((index) => ({
            IndexName: index.name,
            KeySchema: [
              { AttributeName: index.partitionKey, KeyType: 'HASH' as const },
              { AttributeName: index.sortKey, KeyType: 'RANGE' as const },
            ],
            Projection: { ProjectionType: 'ALL' as const },
          })),
        }
      : {}),
  };
}

export interface LocalDynamo {
  readonly endpoint: string;
  readonly port: number;
  /** Local table name per table key (the construct id, e.g. `MainTable`). */
  readonly tableNames: Readonly<Record<keyof typeof TABLES, string>>;
  close(): Promise<void>;
}

/**
 * dynalite (the DynamoDB API on LevelDB): persisted under `dataDir`, or in memory when it is undefined. Creates the
 * tables that do not exist yet, so a restart keeps its data.
 */
export async function startDynamo(options: {
  port: number;
  host?: string;
  dataDir?: string;
  /** Run dynalite in a child process (the runtime does: it then uses a core of its own). @default false */
  separateProcess?: boolean;
  /** The item locks of the in-process server (tests hold some to order requests). @default fresh ones */
  locks?: KeyLocks;
}): Promise<LocalDynamo> {
  const host = options.host ?? '127.0.0.1';
  const { port, close } = options.separateProcess
    ? await listenInChild(options.port, host, options.dataDir)
    : await listenHere(options.port, host, options.dataDir, options.locks);
  const endpoint = `http://${host}:${port}`;
  const client = new DynamoDBClient({
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  const existing = new Set((await client.send(new ListTablesCommand({}))).TableNames ?? []);
  for (const def of Object.values(TABLES)) {
    if (!existing.has(def.id)) await client.send(new CreateTableCommand(createTableInput(def)));
  }
  client.destroy();
  const tableNames = Object.fromEntries(Object.entries(TABLES).map(([key, def]) => [key, def.id])) as Record<
    keyof typeof TABLES,
    string
  >;
  return {
    endpoint,
    port,
    tableNames,
    close,
  };
}

async function listenHere(
  port: number,
  host: string,
  path: string | undefined,
  locks: KeyLocks | undefined,
): Promise<{ port: number; close: () => Promise<void> }> {
  const server: Server = addTransactions(
    dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0, ...(path ? { path } : {}) }),
    locks,
  );
  guardEmulator(server);
  return {
    port: await listen(server, port, host),
    // Requests still in flight finish rather than being cut off.
    close: () => closeServerGracefully(server),
  };
}

async function listenInChild(
  port: number,
  host: string,
  path: string | undefined,
): Promise<{ port: number; close: () => Promise<void> }> {
  const script = fileURLToPath(new URL('./dynalite-process.ts', import.meta.url));
  const child = fork(script, [JSON.stringify({ port, host, ...(path ? { path } : {}) })], {
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const listening = await new Promise<number>((resolve, reject) => {
    child.once('message', (m: { port?: number; error?: string }) =>
      m.port ? resolve(m.port) : reject(new Error(m.error)),
    );
    child.once('exit', (code) => reject(new Error(`dynalite exited with ${code}`)));
  });
  return {
    port: listening,
    close: async () => {
      if (child.connected) child.disconnect();
      await exited;
    },
  };
}
