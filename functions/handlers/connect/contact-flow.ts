import { handleContactFlowEvent } from '#composition/heartbeats.ts';

const onFlowEvent = handleContactFlowEvent();

/**
 * Invoked by Amazon Connect from the heartbeat contact flow's "Invoke AWS Lambda function" blocks (parameter `step`:
 * `route` or `outcome`). Never throws: Connect gets a flat string map in every case, `ok: "false"` on bad input.
 */
export const handler = async (event: unknown) => onFlowEvent(event);
