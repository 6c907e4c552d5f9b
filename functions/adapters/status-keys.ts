/**
 * Key layout of the status capability (main table):
 *
 *   T#<t>#STATUS        A#<agent>           current status; gsi1 = T#<t>#ST#<status> / <agent> (filter by status)
 *   T#<t>#STATUS        P#<agent>           presence (last seen); gsi1 = PRESENCE#<0-7> / <deadline>#<t>#<agent>
 *                                           while the agent is not known to be gone (the auto-Offline index)
 *   T#<t>#STATUS        S#<user>            supervisors seen recently (receive approval requests), TTL
 *   T#<t>#LOG#<agent>   <at>#<from>><to>    status log, TTL = logRetentionDays
 *   T#<t>#SESSION#<agent> <startedAt>       sessions (login → logout), TTL = logRetentionDays
 *   T#<t>#REQ           R#<id>              approval requests, TTL 1 day
 *   T#<t>#REASONS       LIST                custom reasons (one item, ≤ 50 active)
 *   (Connect bindings and the PutUserStatus queues: connect-binding-repository.ts, connect-sync-queue.ts)
 */
export const statusPk = (tenant: string) => `T#${tenant}#STATUS`;
export const agentSk = (agent: string) => `A#${agent}`;
export const byStatusPk = (tenant: string, status: string) => `T#${tenant}#ST#${status}`;
export const logPk = (tenant: string, agent: string) => `T#${tenant}#LOG#${agent}`;
export const sessionPk = (tenant: string, agent: string) => `T#${tenant}#SESSION#${agent}`;
export const reasonsKey = (tenant: string) => ({ pk: `T#${tenant}#REASONS`, sk: 'LIST' });
