import * as z from 'zod';
import { KinesisTelemetrySink } from '#adapters/telemetry-producer.ts';
import type { IngestDeps } from '#domain/alerts/ingest.ts';
import { loadEnv } from '#shared/env.ts';
import { clock } from '#shared/runtime.ts';
import { settings } from './alerts.ts';
import { once } from './once.ts';

/** WebSocket `telemetry` and POST /telemetry: the telemetry stream and the (cached) alerts switch. */
export const ingestDeps = /*@__PURE__*/ once<IngestDeps>(() => ({
  sink: KinesisTelemetrySink.forStream(loadEnv({ STREAM_TELEMETRY: z.string().min(1) }).STREAM_TELEMETRY),
  settings: settings(),
  clock,
}));
