import { telemetryConsumer } from '#adapters/telemetry-consumer.ts';
import { processorDeps } from '#composition/alerts.ts';

/** Agent telemetry from Kinesis (partial batch responses): MOS, rules, alerts raised and pushed. */
export const handler = telemetryConsumer(processorDeps());
