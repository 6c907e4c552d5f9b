/**
 * DynamoDB table definitions shared by the CDK stateful stack and the local runtime (which creates the same tables
 * in dynalite). One definition, two consumers: the local tables can never drift from the deployed ones.
 *
 * The main table is a single-table design with generic, overloaded keys. Every key is a string.
 *   pk / sk          base table
 *   gsi1pk / gsi1sk  sparse index 1 (e.g. agents by status)
 *   gsi2pk / gsi2sk  sparse index 2 (e.g. messages by sender)
 *   ttl              epoch seconds; DynamoDB deletes the item lazily after it (readers filter expired items anyway)
 */
export interface IndexDefinition {
  readonly name: string;
  readonly partitionKey: string;
  readonly sortKey: string;
}

export interface TableDefinition {
  /** CDK construct id; also the local table name. */
  readonly id: string;
  /** Environment variable through which a function receives the table name. */
  readonly envVar: string;
  readonly partitionKey: string;
  readonly sortKey?: string;
  /** Attribute holding the expiry time in epoch seconds. */
  readonly ttlAttribute: string;
  readonly indexes: readonly IndexDefinition[];
}

export const TABLES = {
  main: {
    id: 'MainTable',
    envVar: 'TABLE_NAME',
    partitionKey: 'pk',
    sortKey: 'sk',
    ttlAttribute: 'ttl',
    indexes: [
      { name: 'gsi1', partitionKey: 'gsi1pk', sortKey: 'gsi1sk' },
      { name: 'gsi2', partitionKey: 'gsi2pk', sortKey: 'gsi2sk' },
    ],
  },
  /** Powertools idempotency records (the `Idempotency-Key` of POST requests, retried side effects). */
  idempotency: {
    id: 'IdempotencyTable',
    envVar: 'IDEMPOTENCY_TABLE_NAME',
    partitionKey: 'id',
    ttlAttribute: 'expiration',
    indexes: [],
  },
} as const satisfies Record<string, TableDefinition>;

export type TableKey = keyof typeof TABLES;
