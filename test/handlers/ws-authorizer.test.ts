import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createLocalIssuer, type LocalIssuer } from '../../lib/local/issuer.ts';

type Authorizer = (event: unknown) => Promise<{
  principalId: string;
  policyDocument: { Statement: Array<{ Effect: string; Resource: string }> };
  context?: Record<string, string>;
}>;

/** The real authorizer module against a real issuer and a JWKS endpoint over HTTP. */
describe('WebSocket $connect authorizer', () => {
  let server: Server;
  let issuer: LocalIssuer;
  let other: LocalIssuer;
  let authorize: Authorizer;
  const methodArn = 'arn:aws:execute-api:us-east-1:000000000000:api/prod/$connect';
  const event = (token?: string) => ({
    type: 'REQUEST',
    methodArn,
    queryStringParameters: token === undefined ? {} : { token },
  });

  beforeAll(async () => {
    server = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(issuer.jwks()));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/issuer`;
    issuer = await createLocalIssuer(base, undefined);
    other = await createLocalIssuer(base, undefined); // same issuer URL, different key
    vi.stubEnv('JWT_ISSUER', issuer.issuer);
    vi.stubEnv('JWT_AUDIENCE', issuer.audience);
    vi.stubEnv('JWKS_URI', `${base}/.well-known/jwks.json`);
    authorize = (await import('../../functions/handlers/ws/authorizer.ts')).handler as unknown as Authorizer;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it("allows a valid token and passes tenant, user, role, display name and the token's expiry on as context", async () => {
    const token = await issuer.sign({ tenant: 'acme', user: 'alice', role: 'agent', name: 'Alice', ttlSeconds: 600 });
    const { exp } = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString()) as { exp: number };
    const result = await authorize(event(token));
    expect(result.policyDocument.Statement[0]).toMatchObject({ Effect: 'Allow', Resource: methodArn });
    expect(result.context).toEqual({ tenant: 'acme', user: 'alice', role: 'agent', name: 'Alice', exp: String(exp) });
  });

  it('refuses access tokens, and ignores the user-editable name claim', async () => {
    const access = await issuer.sign({ tenant: 'acme', user: 'a', role: 'admin', claims: { token_use: 'access' } });
    await expect(authorize(event(access))).rejects.toThrow('Unauthorized');
    const renamed = await issuer.sign({ tenant: 'acme', user: 'a', role: 'agent', claims: { name: 'The CEO' } });
    expect((await authorize(event(renamed))).context).not.toHaveProperty('name');
  });

  it('answers Unauthorized (401) for a missing, expired or foreign-signed token', async () => {
    await expect(authorize(event())).rejects.toThrow('Unauthorized');
    await expect(
      authorize(event(await issuer.sign({ tenant: 'acme', user: 'a', role: 'agent', ttlSeconds: -10 }))),
    ).rejects.toThrow('Unauthorized');
    await expect(authorize(event(await other.sign({ tenant: 'acme', user: 'a', role: 'admin' })))).rejects.toThrow(
      'Unauthorized',
    );
  });

  it('denies (403) a valid token of a user in no role group', async () => {
    const result = await authorize(
      event(await issuer.sign({ tenant: 'acme', user: 'a', role: 'agent', groups: ['visitors'] })),
    );
    expect(result.policyDocument.Statement[0]?.Effect).toBe('Deny');
    expect(result.context).toBeUndefined();
  });
});
