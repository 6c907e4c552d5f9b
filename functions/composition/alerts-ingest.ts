import * as z from 'zod';
import { KinesisTelemetrySink } from '#adapters/telemetry-producer.ts';
import { type IngestDeps, ingestTelemetry as ingestTelemetryUseCase } from '#domain/alerts/ingest.ts';
import { loadEnv } from '#shared/env.ts';
import { settings } from './alerts.ts';
import { clock } from './core.ts';
import { once, wire } from './once.ts';

export { EMPTY, hasSomething, telemetryBodySchema, telemetryFields } from '#domain/alerts/schemas.ts';

/** WebSocket `telemetry` and POST /telemetry: the telemetry stream and the (cached) alerts switch. */
export const ingestDeps = /*@__PURE__*/ once<IngestDeps>(() => ({
  sink: KinesisTelemetrySink.forStream(loadEnv({ STREAM_TELEMETRY: z.string().min(1) }).STREAM_TELEMETRY),
  settings: settings(),
  clock,
}));

/** The ingest use case, wired: the WebSocket action and POST /telemetry. */
export const ingestTelemetry = /*@__PURE__*/ wire(ingestDeps, ingestTelemetryUseCase);
