// zod's mini API, not the classic one: the same library and core, with functions instead of methods, so esbuild keeps
// only what these schemas use. /me and the WebSocket authorizer parse nothing but claims, and the classic API alone
// (≈ 85 KB minified, its prototypes built at load) was half their init.
import * as z from 'zod/mini';
import { type Operator, requireOperator } from '#domain/connect-binding.ts';
import { AppError, ForbiddenError, UnauthorizedError } from '#domain/errors.ts';
import { highestRole, type Principal, ROLES } from '#domain/principal.ts';

export { ROLES };

import { TENANT_ID_PATTERN, TENANT_ID_RULE, USER_ID_PATTERN, USER_ID_RULE } from '#domain/ids.ts';
import { pure } from '#domain/pure.ts';

/** The id rules of domain/ids.ts (the same patterns and messages), in the mini API. */
const tenantIdSchema = /*@__PURE__*/ pure(() => z.string().check(z.regex(TENANT_ID_PATTERN, TENANT_ID_RULE)));
const userIdSchema = /*@__PURE__*/ pure(() => z.string().check(z.regex(USER_ID_PATTERN, USER_ID_RULE)));

/**
 * The Cognito custom attribute that holds the name agents see as a message's sender. The app client may read it but
 * not write it (lib/stacks/stateful-stack.ts): only an administrator sets it (AdminUpdateUserAttributes). The
 * standard `name` claim is ignored on purpose — users can edit it themselves and would sign coaching messages as
 * anyone they like.
 */
export const DISPLAY_NAME_CLAIM = 'custom:displayName';

/**
 * `cognito:groups`, parsed ONE way whatever the transport. The WebSocket authorizer sees the verified payload with a
 * real array; API Gateway's HTTP JWT authorizer hands list claims over as a string `"[a b]"` (space-separated, since
 * Cognito group names cannot contain whitespace). Only whitespace separates names: a group called `team,admin` stays
 * one group called `team,admin` on both paths, and never grants the admin role.
 */
export function parseGroups(value: readonly string[] | string): string[] {
  if (Array.isArray(value)) return [...value];
  return (value as string).replace(/^\[/, '').replace(/\]$/, '').split(/\s+/).filter(Boolean);
}

const groupsSchema = /*@__PURE__*/ pure(() =>
  z.pipe(
    z.union([z.array(z.string()), z.string()]),
    z.transform((groups: string[] | string) => parseGroups(groups)),
  ),
);

/**
 * Cognito ID-token claims this system relies on, checked identically for HTTP and WebSocket: `token_use` must be
 * `id` (an access token carries neither the tenant nor the display name, and HTTP API's JWT authorizer alone would
 * accept one), the tenant and user id must be safe key parts.
 */
export const claimsSchema = /*@__PURE__*/ pure(() =>
  z.object({
    sub: z.string().check(z.minLength(1)),
    token_use: z.literal('id'),
    'cognito:username': z.optional(userIdSchema),
    'custom:tenant': tenantIdSchema,
    'cognito:groups': z.optional(groupsSchema),
    [DISPLAY_NAME_CLAIM]: z.optional(z.string().check(z.trim(), z.minLength(1), z.maxLength(200))),
  }),
);

/** Turns verified token claims into a principal; a token without tenant or role gets 401/403, never a default. */
export function principalFromClaims(claims: unknown): Principal {
  const parsed = claimsSchema.safeParse(claims);
  if (!parsed.success) throw new UnauthorizedError('The token is not an ID token with a valid tenant and user');
  const c = parsed.data;
  const user = c['cognito:username'] ?? c.sub;
  if (!userIdSchema.safeParse(user).success) throw new UnauthorizedError('The token has no usable user id');
  const role = highestRole(c['cognito:groups'] ?? []);
  if (!role) throw new ForbiddenError(`The user belongs to none of the groups ${ROLES.join(', ')}`, 'NO_ROLE');
  const name = c[DISPLAY_NAME_CLAIM];
  return name === undefined
    ? { tenant: c['custom:tenant'], user, role }
    : { tenant: c['custom:tenant'], user, role, name };
}

/**
 * The context the WebSocket authorizer attaches to a connection (API Gateway allows only flat string, number or
 * boolean values). `exp` is the token's expiry in epoch seconds: the connection acts with the token's rights only
 * until then.
 */
export const connectionContextSchema = /*@__PURE__*/ pure(() =>
  z.object({
    tenant: tenantIdSchema,
    user: userIdSchema,
    role: z.enum(ROLES),
    name: z.optional(z.string()),
    exp: z.coerce.number().check(z.int(), z.positive()),
  }),
);
const connectionPrincipalSchema = /*@__PURE__*/ pure(() => z.omit(connectionContextSchema, { exp: true }));

/** Who a connection is, and until when its token lets it act. */
export interface ConnectionIdentity {
  readonly principal: Principal;
  /** Epoch seconds: the token's `exp`. */
  readonly tokenExpiresAt: number;
}

export function identityFromConnectionContext(context: unknown): ConnectionIdentity {
  const parsed = connectionContextSchema.safeParse(context);
  if (!parsed.success) throw new UnauthorizedError('The connection carries no verified identity');
  const { tenant, user, role, name, exp } = parsed.data;
  return { principal: name ? { tenant, user, role, name } : { tenant, user, role }, tokenExpiresAt: exp };
}

/**
 * Who a connection is, without its expiry: for `$disconnect`, which cleans up whatever the token's state (a
 * connection opened before `exp` was passed along still gets its registry entry removed).
 */
export function principalFromConnectionContext(context: unknown): Principal {
  const parsed = connectionPrincipalSchema.safeParse(context);
  if (!parsed.success) throw new UnauthorizedError('The connection carries no verified identity');
  const { tenant, user, role, name } = parsed.data;
  return name ? { tenant, user, role, name } : { tenant, user, role };
}

const operatorClaimsSchema = /*@__PURE__*/ pure(() =>
  z.object({
    sub: z.string().check(z.minLength(1)),
    'cognito:username': z.optional(userIdSchema),
    'cognito:groups': z.optional(groupsSchema),
  }),
);

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

/**
 * What the WebSocket `$connect` authorizer makes of verified claims: the principal, or — for a valid token whose user
 * may not connect (403: no role) — the reason to deny. A token without a usable tenant or user throws (401).
 */
export function connectionPrincipal(claims: unknown): { principal: Principal } | { denied: string } {
  try {
    return { principal: principalFromClaims(claims) };
  } catch (error) {
    if (error instanceof AppError && error.statusCode === 403) return { denied: error.message };
    throw error;
  }
}
