import { ROLES, statusChoicesQuery } from '#composition/status.ts';
import { authedRoute } from '#shared/http.ts';

const statusChoices = statusChoicesQuery();

/** GET /status/reasons — the statuses a person may choose: the defaults and the tenant's reasons (retired flagged). */
export const handler = authedRoute({ roles: ROLES, action: 'read statuses' }, async ({ principal }) => ({
  body: await statusChoices(principal),
}));
