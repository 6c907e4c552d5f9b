import { EMPTY, hasSomething, ingestTelemetry, telemetryFields } from '#composition/alerts-ingest.ts';
import { frameSchema, wsAction } from '#shared/ws.ts';

const ingest = ingestTelemetry();

/**
 * `{"action":"telemetry","contactId","stats":[…softphone stats…],"errors"?,"system"?,"permission"?}` →
 * `{"type":"telemetry","accepted":n,"dropped":false}`. A `softphone_stats` event's data spreads in unchanged.
 */
export const handler = wsAction(
  {
    roles: ['agent'],
    action: 'send telemetry',
    body: frameSchema('telemetry', telemetryFields).refine(hasSomething, EMPTY),
  },
  async ({ principal, body }) => ({ type: 'telemetry', ...(await ingest(principal, body)) }),
);
