import { ingestTelemetry, telemetryBodySchema } from '#composition/alerts-ingest.ts';
import { authedRoute } from '#shared/http.ts';

const ingest = ingestTelemetry();

/** POST /telemetry — the same batch as the WebSocket `telemetry` action, for widgets without a socket at hand. */
export const handler = authedRoute(
  { roles: ['agent'], action: 'send telemetry', body: telemetryBodySchema },
  async ({ principal, body }) => ({ statusCode: 202, body: await ingest(principal, body) }),
);
