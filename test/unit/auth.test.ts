import { describe, expect, it } from 'vitest';
import { ForbiddenError, UnauthorizedError } from '../../functions/domain/errors.ts';
import { highestRole, requireRole } from '../../functions/domain/principal.ts';
import {
  identityFromConnectionContext,
  parseGroups,
  principalFromClaims,
  principalFromConnectionContext,
} from '../../functions/shared/auth.ts';

/** The claims of a Cognito ID token as the WebSocket authorizer's verifier returns them (real arrays). */
const idToken = (over: Record<string, unknown> = {}) => ({
  sub: 'u-1',
  token_use: 'id',
  'cognito:username': 'alice',
  'custom:tenant': 'acme',
  'cognito:groups': ['agent'],
  ...over,
});

/** The same claims as API Gateway's HTTP JWT authorizer hands them to the function: every value a string. */
const httpForm = (claims: Record<string, unknown>) =>
  Object.fromEntries(Object.entries(claims).map(([k, v]) => [k, Array.isArray(v) ? `[${v.join(' ')}]` : String(v)]));

describe('principalFromClaims', () => {
  it('reads a verified Cognito payload with real arrays', () => {
    const principal = principalFromClaims(idToken({ 'custom:displayName': 'Alice Smith' }));
    expect(principal).toEqual({ tenant: 'acme', user: 'alice', role: 'agent', name: 'Alice Smith' });
  });

  it('reads the HTTP API authorizer form, where lists arrive as "[a b]" strings, and takes the highest role', () => {
    expect(principalFromClaims(httpForm(idToken({ 'cognito:groups': ['agent', 'supervisor'] }))).role).toBe(
      'supervisor',
    );
  });

  it('falls back to sub when there is no cognito:username', () => {
    expect(
      principalFromClaims({ sub: 'bob', token_use: 'id', 'custom:tenant': 'acme', 'cognito:groups': ['admin'] }).user,
    ).toBe('bob');
  });

  it('refuses a token without a tenant (401) and a user in no known group (403)', () => {
    expect(() => principalFromClaims(idToken({ 'custom:tenant': undefined }))).toThrow(UnauthorizedError);
    expect(() => principalFromClaims(idToken({ 'custom:tenant': 'Bad#Tenant' }))).toThrow(UnauthorizedError);
    expect(() => principalFromClaims(idToken({ 'cognito:groups': ['guests'] }))).toThrow(ForbiddenError);
  });

  it('refuses user ids that could break key design', () => {
    expect(() => principalFromClaims(idToken({ 'cognito:username': 'a#b' }))).toThrow(UnauthorizedError);
  });

  it('accepts ID tokens only, on both transports: an access token (or none of token_use) is 401', () => {
    for (const tokenUse of ['access', undefined, 'ID']) {
      const claims = idToken({ token_use: tokenUse });
      expect(() => principalFromClaims(claims)).toThrow(UnauthorizedError);
      expect(() => principalFromClaims(httpForm(claims))).toThrow(UnauthorizedError);
    }
  });

  it('parses groups the same way on both transports: a group named "team,admin" makes nobody an admin', () => {
    for (const groups of [['team,admin'], ['agent', 'team,admin'], ['admin,supervisor'], ['[admin]']]) {
      const ws = (() => {
        try {
          return principalFromClaims(idToken({ 'cognito:groups': groups })).role;
        } catch (error) {
          return (error as ForbiddenError).code;
        }
      })();
      const http = (() => {
        try {
          return principalFromClaims(httpForm(idToken({ 'cognito:groups': groups }))).role;
        } catch (error) {
          return (error as ForbiddenError).code;
        }
      })();
      expect(http).toBe(ws);
      expect(ws).not.toBe('admin');
      expect(ws).not.toBe('supervisor');
    }
    expect(parseGroups('[team,admin agent]')).toEqual(['team,admin', 'agent']);
    expect(parseGroups(['team,admin', 'agent'])).toEqual(['team,admin', 'agent']);
  });

  it('takes the sender name from the admin-kept custom:displayName, never from the user-editable name claim', () => {
    const principal = principalFromClaims(idToken({ name: 'The CEO' }));
    expect(principal).toEqual({ tenant: 'acme', user: 'alice', role: 'agent' });
    expect(principalFromClaims(httpForm(idToken({ name: 'The CEO', 'custom:displayName': 'Alice' }))).name).toBe(
      'Alice',
    );
  });
});

describe('roles', () => {
  it('ranks admin over supervisor over agent', () => {
    expect(highestRole(['agent', 'admin', 'supervisor'])).toBe('admin');
    expect(highestRole(['nobody'])).toBeUndefined();
  });

  it('requireRole throws 403 with a machine-readable code', () => {
    const agent = { tenant: 't', user: 'u', role: 'agent' as const };
    expect(() => requireRole(agent, ['supervisor', 'admin'], 'send messages')).toThrow(
      /agent role may not send messages/,
    );
    expect(() => requireRole(agent, ['agent'], 'ping')).not.toThrow();
  });

  it('connection context must carry a verified identity and its token expiry', () => {
    const context = { tenant: 'acme', user: 'a', role: 'agent', principalId: 'a', exp: '1800000000' };
    expect(principalFromConnectionContext(context)).toEqual({ tenant: 'acme', user: 'a', role: 'agent' });
    expect(identityFromConnectionContext(context).tokenExpiresAt).toBe(1_800_000_000);
    expect(identityFromConnectionContext({ ...context, exp: 1_800_000_000 }).tokenExpiresAt).toBe(1_800_000_000);
    expect(() => principalFromConnectionContext(undefined)).toThrow(UnauthorizedError);
    expect(() => principalFromConnectionContext({ ...context, role: 'root' })).toThrow(UnauthorizedError);
    // A connection without a token expiry would act forever: refused (only $disconnect may clean it up).
    expect(() => identityFromConnectionContext({ ...context, exp: undefined })).toThrow(UnauthorizedError);
    expect(() => identityFromConnectionContext({ ...context, exp: 'soon' })).toThrow(UnauthorizedError);
    expect(principalFromConnectionContext({ ...context, exp: undefined }).user).toBe('a');
  });

  it('connection context: the expiry is a positive whole number of seconds, ids follow the key rules', () => {
    // Prepare
    const context = { tenant: 'acme', user: 'a', role: 'agent', name: 'Ann', exp: '1800000000' };

    // Act + Assess: the schemas are written in zod's mini API (shared/auth.ts); the rules are those of the classic one.
    expect(identityFromConnectionContext(context).principal).toEqual({
      tenant: 'acme',
      user: 'a',
      role: 'agent',
      name: 'Ann',
    });
    for (const exp of ['0', '-5', '1800000000.5', ''])
      expect(() => identityFromConnectionContext({ ...context, exp }), exp).toThrow(UnauthorizedError);
    expect(() => identityFromConnectionContext({ ...context, tenant: 'Acme' })).toThrow(UnauthorizedError);
    expect(() => identityFromConnectionContext({ ...context, user: 'a#b' })).toThrow(UnauthorizedError);
  });

  it('claims: the display name is trimmed and bounded, the user name follows the key rules', () => {
    // Act + Assess
    expect(principalFromClaims(idToken({ 'custom:displayName': '  Ann Lee  ' })).name).toBe('Ann Lee');
    expect(() => principalFromClaims(idToken({ 'custom:displayName': '   ' }))).toThrow(UnauthorizedError);
    expect(() => principalFromClaims(idToken({ 'custom:displayName': 'x'.repeat(201) }))).toThrow(UnauthorizedError);
    expect(() => principalFromClaims(idToken({ 'cognito:username': 'a b' }))).toThrow(UnauthorizedError);
    expect(() => principalFromClaims(idToken({ sub: '' }))).toThrow(UnauthorizedError);
  });
});
