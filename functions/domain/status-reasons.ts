import { ConflictError, NotFoundError } from './errors.ts';
import { MAX_REASONS, type StatusReason } from './status.ts';

/** What an admin may change of a reason; a field left out (or undefined) keeps its value. */
export type ReasonPatch = {
  readonly [K in 'name' | 'needsApproval' | 'retired' | 'connectAgentStatusId']?: StatusReason[K] | undefined;
};

const active = (reasons: readonly StatusReason[]) => reasons.filter((r) => !r.retired);

function assertUniqueName(activeReasons: readonly StatusReason[], name: string, id: string): void {
  if (activeReasons.some((r) => r.id !== id && r.name.toLowerCase() === name.toLowerCase()))
    throw new ConflictError(`An active reason is already named "${name}"`, 'REASON_NAME_TAKEN');
}

/** The list with `reason` added: at most 50 active reasons (409), no two active ones named alike (409). */
export function withReasonAdded(reasons: readonly StatusReason[], reason: StatusReason): StatusReason[] {
  const current = active(reasons);
  if (current.length >= MAX_REASONS)
    throw new ConflictError(`A tenant has at most ${MAX_REASONS} active reasons; retire one first`, 'TOO_MANY_REASONS');
  assertUniqueName(current, reason.name, reason.id);
  return [...reasons, reason];
}

/** The list with reason `id` patched (404 if absent); restoring a retired one obeys the same two rules. */
export function withReasonPatched(
  reasons: readonly StatusReason[],
  id: string,
  patch: ReasonPatch,
): { readonly reasons: StatusReason[]; readonly updated: StatusReason } {
  const current = reasons.find((r) => r.id === id);
  if (!current) throw new NotFoundError(`No reason ${id}`, 'REASON_NOT_FOUND');
  const updated: StatusReason = {
    ...current,
    name: patch.name ?? current.name,
    needsApproval: patch.needsApproval ?? current.needsApproval,
    retired: patch.retired ?? current.retired,
    ...(patch.connectAgentStatusId !== undefined ? { connectAgentStatusId: patch.connectAgentStatusId } : {}),
  };
  if (current.retired && patch.retired === false && active(reasons).length >= MAX_REASONS)
    throw new ConflictError(`A tenant has at most ${MAX_REASONS} active reasons`, 'TOO_MANY_REASONS');
  if (!updated.retired) assertUniqueName(active(reasons), updated.name, id);
  return { reasons: reasons.map((r) => (r.id === id ? updated : r)), updated };
}
