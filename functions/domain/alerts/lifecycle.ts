import type { Clock } from '../clock.ts';
import { ConflictError, NotFoundError } from '../errors.ts';
import type { Principal } from '../principal.ts';
import { requireRole } from '../principal.ts';
import type { DomainEvent, StatusStore } from '../status-ports.ts';
import { type Alert, type AlertPage, type AlertPushes, type AlertStore, alertView, type ClearedBy } from './model.ts';
import type { AlertQuery } from './schemas.ts';

/** The alert lifecycle after raising: acknowledged by the agent, or cleared at the next contact or session end. */

const iso = (ms: number) => new Date(ms).toISOString();

export interface LifecycleDeps extends AlertPushes {
  readonly alerts: AlertStore;
  readonly clock: Clock;
  readonly warn?: (message: string, details: Record<string, unknown>) => void;
}

async function pushCleared(deps: LifecycleDeps, alert: Alert): Promise<void> {
  const frame = { type: 'alert-cleared', alert: alertView(alert) };
  for (const outcome of await Promise.allSettled([
    deps.notifier.toUser(alert.tenant, alert.agent, frame),
    deps.feed.publish(alert.tenant, { ...frame, agent: alert.agent }),
  ]))
    if (outcome.status === 'rejected') deps.warn?.('alert-cleared push failed', { error: String(outcome.reason) });
}

/**
 * Thumbs up: the agent acknowledges one of its own active alerts; it clears at once and is recorded Acknowledged (who,
 * when). Acknowledging twice answers the same alert; an alert already cleared Not Acknowledged is a 409.
 */
export async function acknowledgeAlert(deps: LifecycleDeps, principal: Principal, id: string): Promise<Alert> {
  requireRole(principal, ['agent'], 'acknowledge alerts');
  const { tenant, user } = principal;
  // The key is the caller's own partition: another agent's (or tenant's) alert id simply does not exist here.
  const { won, alert } = await deps.alerts.close(tenant, user, id, {
    to: 'acknowledged',
    by: 'agent',
    atIso: iso(deps.clock.now()),
    user,
  });
  if (!alert) throw new NotFoundError(`No alert ${id}`, 'ALERT_NOT_FOUND');
  if (won) {
    await pushCleared(deps, alert);
    return alert;
  }
  if (alert.state === 'acknowledged') return alert;
  throw new ConflictError(`The alert was already cleared (${alert.clearedBy})`, 'ALERT_CLEARED', {
    state: alert.state,
    clearedBy: alert.clearedBy,
    clearedAt: alert.clearedAt,
  });
}

/** Alerts still active when the agent's next contact is offered, or the session ends, are closed Not Acknowledged. */
export async function clearActiveAlerts(
  deps: LifecycleDeps,
  tenant: string,
  agent: string,
  by: Exclude<ClearedBy, 'agent'>,
  atIso: string,
): Promise<number> {
  // Sessions are shorter than a day; an alert older than that was closed by its session end already.
  const from = iso(Date.parse(atIso) - 86_400_000);
  const active = (await deps.alerts.listForAgent(tenant, agent, from)).filter((a) => a.state === 'active');
  let cleared = 0;
  for (const a of active) {
    const { won, alert } = await deps.alerts.close(tenant, agent, a.id, { to: 'not-acknowledged', by, atIso });
    if (won && alert) {
      cleared++;
      await pushCleared(deps, alert);
    }
  }
  return cleared;
}

/** The domain-event subscriber: contact offered → clear (next contact); session ended → clear (session end). */
export function onAgentEvent(deps: () => LifecycleDeps) {
  return async (event: DomainEvent): Promise<void> => {
    if (event.type === 'contact-offered')
      await clearActiveAlerts(deps(), event.tenant, event.agent, 'next-contact', event.at);
    else await clearActiveAlerts(deps(), event.tenant, event.agent, 'session-end', event.endedAt);
  };
}

export interface AgentAlertsDeps {
  readonly alerts: Pick<AlertStore, 'listForAgent'>;
  readonly statuses: Pick<StatusStore, 'get'>;
}

/**
 * The agent's alerts of the current session (login to logout): active ones and the history. Outside a session the
 * list is empty — the record stays for admins.
 */
export async function myAlerts(deps: AgentAlertsDeps, principal: Principal) {
  requireRole(principal, ['agent'], 'list their alerts');
  const status = await deps.statuses.get(principal.tenant, principal.user);
  const since = status && status.status !== 'offline' ? status.sessionStart : undefined;
  if (!since) return { sessionStart: null, active: [], history: [] };
  const all = (await deps.alerts.listForAgent(principal.tenant, principal.user, since)).map((a) => alertView(a));
  return {
    sessionStart: since,
    active: all.filter((a) => a.state === 'active'),
    history: all.filter((a) => a.state !== 'active'),
  };
}

/** The period an admin query covers when it names none: the last 7 days. */
export const DEFAULT_QUERY_DAYS = 7;

/** Admins query the full record by agent, team, period and state (paginated Queries). */
export async function queryAlerts(
  deps: { readonly alerts: Pick<AlertStore, 'query'>; readonly clock: Clock },
  principal: Principal,
  query: AlertQuery,
): Promise<{ items: ReturnType<typeof alertView>[]; cursor: string | null }> {
  requireRole(principal, ['admin'], 'query the alert record');
  const now = deps.clock.now();
  const to = query.to ?? iso(now);
  const from = query.from ?? iso(Date.parse(to) - DEFAULT_QUERY_DAYS * 86_400_000);
  const page: AlertPage = await deps.alerts.query(principal.tenant, { ...query, from, to });
  return { items: page.items.map((a) => alertView(a)), cursor: page.cursor ?? null };
}
