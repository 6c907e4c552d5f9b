import * as z from 'zod';
import { pure } from './pure.ts';

/** Identifier rules shared by every schema: ids become parts of DynamoDB keys, so `#` and control characters are out. */
export const TENANT_ID_PATTERN = /^[a-z0-9][a-z0-9-]{0,62}$/;
export const USER_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._@+-]{0,127}$/;

export const TENANT_ID_RULE = 'a tenant id is 1-63 lowercase letters, digits or dashes';
export const USER_ID_RULE = 'a user id is 1-128 letters, digits or . _ @ + -';

export const tenantIdSchema = /*@__PURE__*/ pure(() => z.string().regex(TENANT_ID_PATTERN, TENANT_ID_RULE));
export const userIdSchema = /*@__PURE__*/ pure(() => z.string().regex(USER_ID_PATTERN, USER_ID_RULE));
