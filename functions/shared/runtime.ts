/**
 * Transitional re-export: the composition root moved to functions/composition/ (core.ts, connections.ts). Only
 * shared/messaging-runtime.ts and shared/status-runtime.ts still import it from here, until they move to
 * composition/ themselves; delete this file then.
 */

export {
  connectionGateway,
  connectionNotifier,
  connectionRepository,
  notifier,
  subscriptionStore,
} from '#composition/connections.ts';
export { clock, documentClient, mainTable, settingsRepository } from '#composition/core.ts';
