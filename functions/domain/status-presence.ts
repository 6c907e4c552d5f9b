import type { Principal } from './principal.ts';
import { commitStatus, iso, moveTo, type StatusDeps } from './status-commit.ts';

/** Presence: signs of life move an agent's deadline; the sweeper sets agents Offline whose deadline passed. */

/** Remembers last writes per execution environment, so most pings cost no DynamoDB call at all. */
export type ActivityMemo = Map<string, number>;
/**
 * The stored deadline may be this much older than the agent's real last activity (writes in between are skipped), so
 * it is also the margin a deadline keeps: small, because it adds to how late auto-Offline can be. Clients ping every
 * 30 s, so pings still write each time; only bursts of frames and REST calls are thinned.
 */
export const ACTIVITY_MIN_INTERVAL_MS = 5_000;
const SUPERVISOR_MIN_INTERVAL_MS = 60_000;
const MEMO_MAX = 20_000;

/**
 * Records that a user is alive (ping, frame, REST call). Agents get a presence deadline — last seen + the tenant's
 * inactivity window + the write interval (a skipped write means activity up to 5 s after the stored one, so the
 * deadline must not fire before the window has really elapsed). Supervisors join the roster that receives approval
 * requests live. Writes at most every 5 s (agents) / 60 s (supervisors) per user.
 */
export async function recordActivity(
  deps: Pick<StatusDeps, 'presence' | 'settings' | 'clock'> & { readonly memo?: ActivityMemo },
  principal: Principal,
): Promise<boolean> {
  const now = deps.clock.now();
  const agent = principal.role === 'agent';
  const interval = agent ? ACTIVITY_MIN_INTERVAL_MS : SUPERVISOR_MIN_INTERVAL_MS;
  const key = `${principal.tenant}\u0000${principal.user}`;
  const last = deps.memo?.get(key);
  if (last !== undefined && now - last < interval) return false;
  if (deps.memo) {
    if (deps.memo.size >= MEMO_MAX) deps.memo.clear();
    deps.memo.set(key, now);
  }
  if (!agent) return deps.presence.touchSupervisor(principal.tenant, principal.user, now, interval);
  const settings = await deps.settings.get(principal.tenant);
  const deadline = now + settings.status.inactivityWindowSeconds * 1000 + interval;
  return deps.presence.touch(principal.tenant, principal.user, now, deadline, interval);
}

/**
 * One auto-Offline sweep: agents whose presence deadline passed are set Offline by `system`. The
 * presence entry is cleared first, conditionally on its deadline: an agent who pinged meanwhile moved the deadline,
 * the clear fails and the agent stays as they are.
 */
export async function sweepInactive(
  deps: StatusDeps,
  options: { limit?: number } = {},
): Promise<{ due: number; setOffline: number }> {
  const now = deps.clock.now();
  const due = await deps.presence.due(now, options.limit ?? 1000);
  let setOffline = 0;
  for (const entry of due) {
    if (!(await deps.presence.clear(entry.tenant, entry.agent, entry.deadline))) continue;
    try {
      const { written } = await commitStatus(deps, entry.tenant, entry.agent, (cur) =>
        cur.status === 'offline' ? undefined : moveTo(cur, 'offline', 'system', iso(now)),
      );
      if (written) setOffline++;
    } catch (error) {
      // Put the agent back in the due index so the next run tries again, then let the run fail loudly.
      await deps.presence.touch(entry.tenant, entry.agent, entry.deadline, entry.deadline, 0);
      throw error;
    }
  }
  return { due: due.length, setOffline };
}
