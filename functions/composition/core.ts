import * as z from 'zod';
import { DynamoDirectoryRepository } from '#adapters/directory-repository.ts';
import { createDocumentClient } from '#adapters/dynamo.ts';
import { DynamoSettingsRepository } from '#adapters/settings-repository.ts';
import { type Clock, systemClock } from '#domain/clock.ts';
import { loadEnv } from '#shared/env.ts';
import { once } from './once.ts';

/**
 * What every capability's composition builds on: the document client, the table, the clock, the tenant settings and
 * the agent directory.
 * Each is built once per execution environment, on first use, from configuration validated at that moment; a
 * capability module calls these while building its own singletons, so a missing variable fails the cold start of a
 * function that needs it instead of a request.
 */
export const documentClient = /*@__PURE__*/ once(() => createDocumentClient());

export const mainTable = (): string => loadEnv({ TABLE_NAME: z.string().min(1) }).TABLE_NAME;

export const clock: Clock = systemClock;

export const settingsRepository = /*@__PURE__*/ once(
  () => new DynamoSettingsRepository(documentClient(), mainTable(), clock),
);

export const directoryRepository = /*@__PURE__*/ once(
  () => new DynamoDirectoryRepository(documentClient(), mainTable()),
);
