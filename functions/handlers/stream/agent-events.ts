import { agentEventHandler } from '#composition/status.ts';

/**
 * Amazon Connect agent events from Kinesis (partial batch responses): statuses derived and applied in order,
 * directory team/queues kept current, sessions recorded, "contact offered" / "session ended" published.
 */
export const handler = agentEventHandler();
