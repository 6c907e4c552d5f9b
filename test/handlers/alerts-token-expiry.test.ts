import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { KinesisClient, PutRecordCommand } from '@aws-sdk/client-kinesis';
import { DynamoDBDocumentClient, GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { lambdaContext, wsEvent } from '../support/events.ts';
import { secondOfStats } from '../support/telemetry.ts';

const ddb = mockClient(DynamoDBDocumentClient);
const kinesis = mockClient(KinesisClient);
type Handler = (event: unknown, context: unknown) => Promise<{ body: string }>;
let telemetry: Handler;
let ackAlert: Handler;
const alice = { tenant: 'acme', user: 'alice', role: 'agent' as const };
const now = () => Math.floor(Date.now() / 1000);

beforeAll(async () => {
  // Exactly the variables the registry gives these functions (table, stream; @connections for the ack).
  vi.stubEnv('TABLE_NAME', 'MainTable');
  vi.stubEnv('STREAM_TELEMETRY', 'telemetry');
  vi.stubEnv('WS_ENDPOINT', 'http://127.0.0.1:9/unused');
  telemetry = (await import('../../functions/handlers/ws/telemetry.ts')).handler as unknown as Handler;
  ackAlert = (await import('../../functions/handlers/ws/alert-ack.ts')).handler as unknown as Handler;
});
beforeEach(() => {
  ddb.reset();
  kinesis.reset();
  ddb.on(GetCommand).resolves({});
  kinesis.on(PutRecordCommand).resolves({ SequenceNumber: '1', ShardId: 'shardId-000000000000' });
});

const frame = async (handler: Handler, body: unknown, route: string, exp: number) =>
  JSON.parse((await handler(wsEvent(alice, body, 'c1', route, exp), lambdaContext)).body) as Record<string, unknown>;

describe('telemetry and ackAlert act only while the token is valid', () => {
  it('telemetry: accepted before exp, TOKEN_EXPIRED after it with nothing put on the stream', async () => {
    const body = { action: 'telemetry', id: 't1', contactId: 'c-1', stats: secondOfStats(Date.now()) };
    expect(await frame(telemetry, body, 'telemetry', now() + 60)).toMatchObject({ type: 'telemetry', accepted: 2 });
    expect(kinesis.commandCalls(PutRecordCommand)).toHaveLength(1);

    kinesis.resetHistory();
    ddb.resetHistory();
    const late = await frame(telemetry, { ...body, id: 't2' }, 'telemetry', now() - 1);
    expect(late).toMatchObject({ type: 'error', status: 401, code: 'TOKEN_EXPIRED', id: 't2' });
    expect(kinesis.commandCalls(PutRecordCommand)).toHaveLength(0);
    expect(ddb.calls()).toHaveLength(0);
  });

  it('ackAlert: TOKEN_EXPIRED after exp, the alert store untouched', async () => {
    const late = await frame(ackAlert, { action: 'ackAlert', alertId: '1.poorNetwork.c-1' }, 'ackAlert', now() - 1);
    expect(late).toMatchObject({ type: 'error', status: 401, code: 'TOKEN_EXPIRED' });
    expect(ddb.commandCalls(GetCommand)).toHaveLength(0);
    expect(ddb.commandCalls(UpdateCommand)).toHaveLength(0);
    // Before exp the same frame reaches the store (here: no such alert of alice's → the condition fails → 404).
    ddb
      .on(UpdateCommand)
      .rejects(new ConditionalCheckFailedException({ message: 'The conditional request failed', $metadata: {} }));
    const valid = await frame(ackAlert, { action: 'ackAlert', alertId: '1.poorNetwork.c-1' }, 'ackAlert', now() + 60);
    expect(valid).toMatchObject({ type: 'error', status: 404 });
    expect(ddb.calls().length).toBeGreaterThan(0);
  });
});
