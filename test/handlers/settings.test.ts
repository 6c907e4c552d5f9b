import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { httpEvent, lambdaContext } from '../support/events.ts';

const ddb = mockClient(DynamoDBDocumentClient);
type Handler = (event: unknown, context: unknown) => Promise<{ statusCode: number; body?: string }>;
let getSettings: Handler;
let updateSettings: Handler;

const admin = { tenant: 'acme', user: 'ada', role: 'admin' as const };
const agent = { tenant: 'acme', user: 'alice', role: 'agent' as const };

beforeAll(async () => {
  vi.stubEnv('TABLE_NAME', 'MainTable');
  getSettings = (await import('../../functions/handlers/http/settings-get.ts')).handler as unknown as Handler;
  updateSettings = (await import('../../functions/handlers/http/settings-update.ts')).handler as unknown as Handler;
});
beforeEach(() => ddb.reset());

describe('settings routes', () => {
  it('reads the caller tenant document, never another tenant', async () => {
    // Prepare
    ddb.on(GetCommand).resolves({ Item: { settings: { general: { timeZone: 'Europe/Paris' } }, version: 3 } });
    // Act
    const res = await getSettings(httpEvent({ path: '/settings', principal: admin }), lambdaContext);
    // Assess
    expect(res.statusCode).toBe(200);
    expect(JSON.parse(res.body ?? '{}').general.timeZone).toBe('Europe/Paris');
    expect(ddb.commandCalls(GetCommand)[0]?.args[0].input.Key).toEqual({ pk: 'T#acme', sk: 'SETTINGS' });
  });

  it('refuses agents with 403 and writes nothing', async () => {
    const res = await updateSettings(
      httpEvent({ method: 'PATCH', path: '/settings', principal: agent, body: { messaging: { cleardownHour: 2 } } }),
      lambdaContext,
    );
    expect(res.statusCode).toBe(403);
    expect(JSON.parse(res.body ?? '{}').code).toBe('ROLE_NOT_ALLOWED');
    expect(ddb.commandCalls(PutCommand)).toHaveLength(0);
  });

  it('answers an invalid patch with 400 and field-level issues', async () => {
    const res = await updateSettings(
      httpEvent({
        method: 'PATCH',
        path: '/settings',
        principal: admin,
        body: { messaging: { cleardownHour: 27 }, general: { timeZone: 'Nowhere/Land' } },
      }),
      lambdaContext,
    );
    expect(res.statusCode).toBe(400);
    const body = JSON.parse(res.body ?? '{}');
    expect(body.code).toBe('VALIDATION_FAILED');
    expect(body.details.issues.map((i: { path: string }) => i.path).sort()).toEqual([
      'general.timeZone',
      'messaging.cleardownHour',
    ]);
    expect(ddb.commandCalls(PutCommand)).toHaveLength(0);
  });

  it('answers malformed JSON with 400, not 500', async () => {
    const res = await updateSettings(
      httpEvent({ method: 'PATCH', path: '/settings', principal: admin, body: '{"messaging":' }),
      lambdaContext,
    );
    expect(res.statusCode).toBe(400);
  });

  it('re-reads and retries when another admin saved in between (optimistic concurrency)', async () => {
    ddb
      .on(GetCommand)
      .resolvesOnce({ Item: { settings: {}, version: 1 } })
      .resolves({ Item: { settings: { messaging: { maxTextLength: 300 } }, version: 2 } });
    ddb
      .on(PutCommand)
      .rejectsOnce(new ConditionalCheckFailedException({ message: 'version moved', $metadata: {} }))
      .resolves({});
    const res = await updateSettings(
      httpEvent({ method: 'PATCH', path: '/settings', principal: admin, body: { messaging: { cleardownHour: 4 } } }),
      lambdaContext,
    );
    expect(res.statusCode).toBe(200);
    const saved = ddb.commandCalls(PutCommand)[1]?.args[0].input;
    expect(saved?.ExpressionAttributeValues).toEqual({ ':v': 2 });
    expect(saved?.Item?.settings).toMatchObject({ messaging: { cleardownHour: 4, maxTextLength: 300 } });
  });

  it('hides unexpected failures behind a generic 500', async () => {
    ddb.on(GetCommand).rejects(new Error('socket hang up'));
    const res = await getSettings(httpEvent({ path: '/settings', principal: admin }), lambdaContext);
    expect(res.statusCode).toBe(500);
    expect(JSON.parse(res.body ?? '{}')).toEqual({ code: 'INTERNAL', message: 'Internal error' });
  });
});
