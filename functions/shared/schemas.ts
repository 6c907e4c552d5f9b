import * as z from 'zod';
import { TENANT_ID_PATTERN, USER_ID_PATTERN } from '#domain/ids.ts';

export const tenantIdSchema = z
  .string()
  .regex(TENANT_ID_PATTERN, 'a tenant id is 1-63 lowercase letters, digits or dashes');
export const userIdSchema = z.string().regex(USER_ID_PATTERN, 'a user id is 1-128 letters, digits or . _ @ + -');
