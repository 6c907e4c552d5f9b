import { publicRoute } from '#shared/http.ts';

/** GET /health — no auth; proves the function loads and the route is wired. */
export const handler = publicRoute({}, async () => ({ body: { status: 'ok' } }));
