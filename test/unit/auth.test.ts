import { describe, expect, it } from 'vitest';
import { ForbiddenError, UnauthorizedError } from '../../functions/domain/errors.ts';
import { highestRole, requireRole } from '../../functions/domain/principal.ts';
import { principalFromClaims, principalFromConnectionContext } from '../../functions/shared/auth.ts';

describe('principalFromClaims', () => {
  it('reads a verified Cognito payload with real arrays', () => {
    // Prepare
    const claims = {
      sub: 'u-1',
      'cognito:username': 'alice',
      'custom:tenant': 'acme',
      'cognito:groups': ['agent'],
      name: 'Alice',
    };
    // Act
    const principal = principalFromClaims(claims);
    // Assess
    expect(principal).toEqual({ tenant: 'acme', user: 'alice', role: 'agent', name: 'Alice' });
  });

  it('reads the HTTP API authorizer form, where lists arrive as "[a b]" strings, and takes the highest role', () => {
    const principal = principalFromClaims({
      sub: 's',
      'cognito:username': 'sam',
      'custom:tenant': 'acme',
      'cognito:groups': '[agent supervisor]',
    });
    expect(principal.role).toBe('supervisor');
  });

  it('falls back to sub when there is no cognito:username', () => {
    expect(principalFromClaims({ sub: 'bob', 'custom:tenant': 'acme', 'cognito:groups': ['admin'] }).user).toBe('bob');
  });

  it('refuses a token without a tenant (401) and a user in no known group (403)', () => {
    expect(() => principalFromClaims({ sub: 'x', 'cognito:groups': ['agent'] })).toThrow(UnauthorizedError);
    expect(() => principalFromClaims({ sub: 'x', 'custom:tenant': 'Bad#Tenant', 'cognito:groups': ['agent'] })).toThrow(
      UnauthorizedError,
    );
    expect(() => principalFromClaims({ sub: 'x', 'custom:tenant': 'acme', 'cognito:groups': ['guests'] })).toThrow(
      ForbiddenError,
    );
  });

  it('refuses user ids that could break key design', () => {
    expect(() =>
      principalFromClaims({
        sub: 'x',
        'cognito:username': 'a#b',
        'custom:tenant': 'acme',
        'cognito:groups': ['agent'],
      }),
    ).toThrow(UnauthorizedError);
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

  it('connection context must carry a verified identity', () => {
    expect(principalFromConnectionContext({ tenant: 'acme', user: 'a', role: 'agent', principalId: 'a' })).toEqual({
      tenant: 'acme',
      user: 'a',
      role: 'agent',
    });
    expect(() => principalFromConnectionContext(undefined)).toThrow(UnauthorizedError);
    expect(() => principalFromConnectionContext({ tenant: 'acme', user: 'a', role: 'root' })).toThrow(
      UnauthorizedError,
    );
  });
});
