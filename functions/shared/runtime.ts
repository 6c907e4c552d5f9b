import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import * as z from 'zod';
import { ApiGatewayConnectionGateway, ConnectionNotifier } from '#adapters/connection-notifier.ts';
import { DynamoConnectionRepository } from '#adapters/connection-repository.ts';
import { createDocumentClient } from '#adapters/dynamo.ts';
import { DynamoSettingsRepository } from '#adapters/settings-repository.ts';
import { type Clock, systemClock } from '#domain/clock.ts';
import { loadEnv } from './env.ts';

/**
 * The composition root shared by handlers: adapters are built once per execution environment, on first use, from
 * configuration validated at that moment. A handler calls these at module scope, so a missing variable fails the
 * cold start instead of a request.
 */
let client: DynamoDBDocumentClient | undefined;
export function documentClient(): DynamoDBDocumentClient {
  client ??= createDocumentClient();
  return client;
}

export function mainTable(): string {
  return loadEnv({ TABLE_NAME: z.string().min(1) }).TABLE_NAME;
}

export const clock: Clock = systemClock;

let connections: DynamoConnectionRepository | undefined;
export function connectionRepository(): DynamoConnectionRepository {
  connections ??= new DynamoConnectionRepository(documentClient(), mainTable(), clock);
  return connections;
}

let notifier: ConnectionNotifier | undefined;
export function connectionNotifier(): ConnectionNotifier {
  const { WS_ENDPOINT } = loadEnv({ WS_ENDPOINT: z.url() });
  notifier ??= new ConnectionNotifier(connectionRepository(), ApiGatewayConnectionGateway.forEndpoint(WS_ENDPOINT));
  return notifier;
}

let settings: DynamoSettingsRepository | undefined;
export function settingsRepository(): DynamoSettingsRepository {
  settings ??= new DynamoSettingsRepository(documentClient(), mainTable(), clock);
  return settings;
}
