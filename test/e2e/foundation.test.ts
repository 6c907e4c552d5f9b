import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDocumentClient } from '../../functions/adapters/dynamo.ts';
import { type RuntimeProcess, startRuntimeProcess } from '../support/runtime.ts';
import { RefusedError, TestClient } from '../support/ws-client.ts';

/** The newcomer's path: `npm start` (bin/local.ts) on random ports, a minted token, a real WebSocket. */
describe('local runtime end to end', () => {
  let rt: RuntimeProcess;
  const clients: TestClient[] = [];

  beforeAll(async () => {
    rt = await startRuntimeProcess({ SEED: 'none' });
  });
  afterAll(async () => {
    await Promise.all(clients.map((c) => c.close()));
    const code = await rt?.stop();
    expect(code).toBe(0); // clean shutdown on SIGTERM
  });

  async function connect(token: string | undefined): Promise<TestClient> {
    const client = await TestClient.connect(rt.ws, token);
    clients.push(client);
    return client;
  }

  it('serves /health without a token', async () => {
    const res = await fetch(`${rt.http}/health`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: 'ok' });
  });

  it('answers /me from the verified token and refuses a missing or forged one', async () => {
    const token = await rt.token({ tenant: 'acme', user: 'alice', role: 'agent', name: 'Alice Smith' });
    const me = await fetch(`${rt.http}/me`, { headers: { authorization: `Bearer ${token}` } });
    expect(me.status).toBe(200);
    expect(await me.json()).toEqual({ tenant: 'acme', user: 'alice', role: 'agent', name: 'Alice Smith' });

    expect((await fetch(`${rt.http}/me`)).status).toBe(401);
    const forged = `${token.slice(0, -4)}AAAA`;
    expect((await fetch(`${rt.http}/me`, { headers: { authorization: `Bearer ${forged}` } })).status).toBe(401);
  });

  it('answers unknown routes with 404 JSON', async () => {
    const res = await fetch(`${rt.http}/no-such-route`);
    expect(res.status).toBe(404);
    expect(await res.json()).toEqual({ message: 'Not Found' });
  });

  it('accepts an authenticated WebSocket that answers ping', async () => {
    const token = await rt.token({ tenant: 'acme', user: 'bob', role: 'supervisor' });
    const client = await connect(token);
    const pong = await client.request({ action: 'ping' });
    expect(pong.type).toBe('pong');
  });

  it('refuses a forged, expired, foreign or missing token with 401 and no connection', async () => {
    const good = await rt.token({ tenant: 'acme', user: 'eve', role: 'agent' });
    const [header, payload] = good.split('.');
    const tampered = `${header}.${Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(payload ?? '', 'base64url').toString()), 'custom:tenant': 'other' })).toString('base64url')}.${good.split('.')[2]}`;
    const expired = await rt.token({ tenant: 'acme', user: 'eve', role: 'agent', ttlSeconds: -60 });
    // Signed by a key that is not the issuer's, with the right issuer and audience.
    const { privateKey, publicKey } = await generateKeyPair('RS256');
    const jwk = await exportJWK(publicKey);
    const foreign = await new SignJWT({
      'custom:tenant': 'acme',
      'cognito:groups': ['admin'],
      token_use: 'id',
      'cognito:username': 'eve',
    })
      .setProtectedHeader({ alg: 'RS256', kid: String(jwk.kid ?? 'x') })
      .setIssuer(rt.issuer)
      .setAudience('local-app-client')
      .setSubject('eve')
      .setIssuedAt()
      .setExpirationTime('1h')
      .sign(privateKey);
    for (const token of [tampered, expired, foreign, 'not-a-jwt']) {
      const refusal = await connect(token).catch((e: unknown) => e);
      expect(refusal).toBeInstanceOf(RefusedError);
      expect((refusal as RefusedError).status).toBe(401);
    }
    const missing = await connect(undefined).catch((e: unknown) => e);
    expect((missing as RefusedError).status).toBe(401);
    // A valid token of a user in none of the groups is forbidden (403), not unauthenticated.
    const roleless = await rt.token({ tenant: 'acme', user: 'eve', role: 'agent', groups: [] });
    expect(((await connect(roleless).catch((e: unknown) => e)) as RefusedError).status).toBe(403);
    // Nothing was written for any refused attempt.
    const db = createDocumentClient({
      endpoint: rt.dynamodb,
      region: 'us-east-1',
      credentials: { accessKeyId: 'x', secretAccessKey: 'y' },
    });
    const stored = await db.send(new GetCommand({ TableName: 'MainTable', Key: { pk: 'T#acme#U#eve', sk: 'CONNS' } }));
    expect(stored.Item).toBeUndefined();
    db.destroy();
  });

  it('records a connection under its user and removes it on close', async () => {
    const db = createDocumentClient({
      endpoint: rt.dynamodb,
      region: 'us-east-1',
      credentials: { accessKeyId: 'x', secretAccessKey: 'y' },
    });
    const list = async () => {
      const out = await db.send(
        new GetCommand({ TableName: 'MainTable', Key: { pk: 'T#acme#U#dan', sk: 'CONNS' }, ConsistentRead: true }),
      );
      return Object.values((out.Item?.conns ?? {}) as Record<string, { role: string }>);
    };
    const token = await rt.token({ tenant: 'acme', user: 'dan', role: 'agent' });
    const first = await TestClient.connect(rt.ws, token);
    const second = await TestClient.connect(rt.ws, token);
    expect((await list()).map((i) => i.role)).toEqual(['agent', 'agent']);
    await first.close();
    await expect.poll(async () => (await list()).length).toBe(1);
    await second.close();
    await expect.poll(async () => (await list()).length).toBe(0);
    db.destroy();
  });

  it('answers bad frames with error frames and keeps the connection open', async () => {
    const token = await rt.token({ tenant: 'acme', user: 'carol', role: 'agent' });
    const client = await connect(token);
    client.send('{not json');
    expect(await client.waitFor((f) => f.type === 'error' && f.code === 'BAD_JSON')).toMatchObject({ status: 400 });
    const unknown = await client.request({ action: 'teleport' });
    expect(unknown).toMatchObject({ type: 'error', code: 'UNKNOWN_ACTION' });
    client.send(JSON.stringify({ action: 'ping', pad: 'x'.repeat(33 * 1024) }));
    expect(await client.waitFor((f) => f.code === 'FRAME_TOO_LARGE')).toMatchObject({ type: 'error' });
    expect((await client.request({ action: 'ping' })).type).toBe('pong');
  });
});
