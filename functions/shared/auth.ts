import * as z from 'zod';
import { type Operator, requireOperator } from '#domain/connect-binding.ts';
import { ForbiddenError, UnauthorizedError } from '#domain/errors.ts';
import { highestRole, type Principal, ROLES } from '#domain/principal.ts';
import { tenantIdSchema, userIdSchema } from './schemas.ts';

/**
 * Cognito ID-token claims this system relies on. API Gateway's HTTP JWT authorizer hands claims over as strings
 * (a list claim such as `cognito:groups` becomes `"[admin supervisor]"`); the WebSocket authorizer sees the verified
 * payload with real arrays. Both shapes are accepted.
 */
const groupsSchema = z.union([z.array(z.string()), z.string()]).transform((value) =>
  Array.isArray(value)
    ? value
    : value
        .replace(/^\[|\]$/g, '')
        .split(/[\s,]+/)
        .filter(Boolean),
);

export const claimsSchema = z.object({
  sub: z.string().min(1),
  'cognito:username': userIdSchema.optional(),
  'custom:tenant': tenantIdSchema,
  'cognito:groups': groupsSchema.optional(),
  name: z.string().max(200).optional(),
});

/** Turns verified token claims into a principal; a token without tenant or role gets 401/403, never a default. */
export function principalFromClaims(claims: unknown): Principal {
  const parsed = claimsSchema.safeParse(claims);
  if (!parsed.success) throw new UnauthorizedError('The token lacks a valid tenant or user');
  const c = parsed.data;
  const user = c['cognito:username'] ?? c.sub;
  if (!userIdSchema.safeParse(user).success) throw new UnauthorizedError('The token has no usable user id');
  const role = highestRole(c['cognito:groups'] ?? []);
  if (!role) throw new ForbiddenError(`The user belongs to none of the groups ${ROLES.join(', ')}`, 'NO_ROLE');
  return c.name === undefined
    ? { tenant: c['custom:tenant'], user, role }
    : { tenant: c['custom:tenant'], user, role, name: c.name };
}

/** The context the WebSocket authorizer attaches to a connection (API Gateway allows only flat string values). */
export const connectionContextSchema = z.object({
  tenant: tenantIdSchema,
  user: userIdSchema,
  role: z.enum(ROLES),
  name: z.string().optional(),
});

export function principalFromConnectionContext(context: unknown): Principal {
  const parsed = connectionContextSchema.safeParse(context);
  if (!parsed.success) throw new UnauthorizedError('The connection carries no verified identity');
  const { tenant, user, role, name } = parsed.data;
  return name ? { tenant, user, role, name } : { tenant, user, role };
}

const operatorClaimsSchema = z.object({
  sub: z.string().min(1),
  'cognito:username': userIdSchema.optional(),
  'cognito:groups': groupsSchema.optional(),
});

/**
 * The caller of an operator route: verified claims whose groups (parsed as for every other route) include `operator`.
 * An operator acts for the deployment, not a tenant: its tenant claim, if any, plays no part.
 */
export function operatorFromClaims(claims: unknown): Operator {
  const parsed = operatorClaimsSchema.safeParse(claims);
  if (!parsed.success) throw new UnauthorizedError('The token lacks a valid user');
  const c = parsed.data;
  return requireOperator(c['cognito:groups'] ?? [], c['cognito:username'] ?? c.sub);
}
