import { ingestDeps } from '#composition/alerts-ingest.ts';
import { ingestTelemetry } from '#domain/alerts/ingest.ts';
import { telemetryBodySchema } from '#domain/alerts/schemas.ts';
import { authedRoute } from '#shared/http.ts';

const deps = ingestDeps();

/** POST /telemetry — the same batch as the WebSocket `telemetry` action, for widgets without a socket at hand. */
export const handler = authedRoute(
  { roles: ['agent'], action: 'send telemetry', body: telemetryBodySchema },
  async ({ principal, body }) => ({ statusCode: 202, body: await ingestTelemetry(deps, principal, body) }),
);
