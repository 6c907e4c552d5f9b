import { ForbiddenError } from './errors.ts';

/** Roles, lowest privilege first. A user in several groups acts with the highest. */
export const ROLES = ['agent', 'supervisor', 'admin'] as const;
export type Role = (typeof ROLES)[number];

/** Who is calling: established by a verified token, never by the request body. */
export interface Principal {
  readonly tenant: string;
  readonly user: string;
  readonly role: Role;
  /** Display name from the token, when it has one. */
  readonly name?: string;
}

export function highestRole(groups: readonly string[]): Role | undefined {
  let best: Role | undefined;
  for (const role of ROLES) if (groups.includes(role)) best = role;
  return best;
}

/** Throws 403 unless the caller has one of `roles`. */
export function requireRole(principal: Principal, roles: readonly Role[], action: string): void {
  if (!roles.includes(principal.role)) {
    throw new ForbiddenError(`The ${principal.role} role may not ${action}`, 'ROLE_NOT_ALLOWED');
  }
}

/** Throws 403 when a caller reaches into another tenant (ids in paths or bodies must never cross tenants). */
export function requireSameTenant(principal: Principal, tenant: string): void {
  if (principal.tenant !== tenant)
    throw new ForbiddenError('Resources of another tenant are out of reach', 'TENANT_MISMATCH');
}
