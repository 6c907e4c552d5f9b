import { telemetryHandler } from '#composition/alerts.ts';

/** Agent telemetry from Kinesis (partial batch responses): MOS, rules, alerts raised and pushed. */
export const handler = telemetryHandler();
