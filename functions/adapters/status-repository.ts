/**
 * The status capability's stores, one file each (key layout: status-keys.ts). Kept as the one import of the stores
 * for the composition modules.
 */
export { DynamoApprovalStore } from './approval-store.ts';
export { DynamoPresenceStore, presenceKey } from './presence-store.ts';
export { DynamoReasonStore } from './reason-store.ts';
export { DynamoStatusStore } from './status-store.ts';
