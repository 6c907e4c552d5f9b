/**
 * The id schemas of the domain (domain/ids.ts), for what validates outside it: the token claims (auth.ts) and the
 * handlers' own event schemas.
 */
export { tenantIdSchema, userIdSchema } from '#domain/ids.ts';
