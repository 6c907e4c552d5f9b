import { statusFeedHandler } from '#composition/status.ts';

/**
 * The status feed stream's consumer: whatever status changes and agent events of a tenant accumulated since the last
 * run go to each feed subscriber as one `feed` frame; each agent's newest status also to its own connections.
 */
export const handler = statusFeedHandler();
