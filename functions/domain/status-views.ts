import type { Principal } from './principal.ts';
import {
  type AgentStatus,
  BUILT_IN_LABELS,
  MANUAL_STATUSES,
  reasonCode,
  type StatusReason,
  statusView,
} from './status.ts';
import type { ReasonStore } from './status-ports.ts';

/** What every status route and frame returns about an agent (see `statusView`). */
export type StatusView = ReturnType<typeof statusView>;

/**
 * THE status query of the routes and frames: the views of some of a tenant's status records, labelled with the
 * tenant's reasons (one read of the reasons per call). `records` may be a promise, so the reasons are read while the
 * records still are; the result has the shape of `records` (one view for `[record]`).
 */
export async function statusViews<const T extends readonly AgentStatus[]>(
  deps: { readonly reasons: Pick<ReasonStore, 'list'> },
  tenant: string,
  records: T | Promise<T>,
): Promise<{ readonly [K in keyof T]: StatusView }> {
  const [list, reasons] = await Promise.all([records, deps.reasons.list(tenant)]);
  return list.map((record) => statusView(record, reasons)) as { readonly [K in keyof T]: StatusView };
}

/** A reason as the API shows it: its status code beside its fields. */
export const reasonView = (reason: StatusReason) => ({ code: reasonCode(reason.id), ...reason });

/** The statuses a person may choose: the defaults and the tenant's reasons (retired ones only admins see, flagged). */
export async function statusChoices(deps: { readonly reasons: Pick<ReasonStore, 'list'> }, principal: Principal) {
  const reasons = await deps.reasons.list(principal.tenant);
  return {
    defaults: MANUAL_STATUSES.map((code) => ({ code, label: BUILT_IN_LABELS[code] })),
    reasons: reasons.filter((r) => principal.role === 'admin' || !r.retired).map(reasonView),
  };
}
