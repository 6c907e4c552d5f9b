import { createHash, randomUUID } from 'node:crypto';
import type { AgentDirectory } from './directory.ts';
import { AppError } from './errors.ts';
import { type Recipient, type RecipientSelectors, SELECTOR_KINDS } from './message-model.ts';
import type { Principal } from './principal.ts';

/**
 * Who a message goes to: selectors normalised and hashed (the idempotency rules of a send), resolved to the tenant's
 * agents (explicit ids plus every member of each group), previewed before sending.
 */

export class IdempotencyKeyReusedError extends AppError {
  constructor() {
    super(
      422,
      'IDEMPOTENCY_KEY_REUSED',
      'This Idempotency-Key was already used for a different message; use a new key for a new message',
    );
  }
}

/** A retried POST with the same key maps to the same message id; tenant and sender are part of the key's scope. */
export function messageIdFor(tenant: string, sender: string, idempotencyKey: string | undefined): string {
  if (idempotencyKey === undefined) return randomUUID().replaceAll('-', '');
  return createHash('sha256').update(`${tenant}\n${sender}\n${idempotencyKey}`).digest('hex').slice(0, 32);
}

/** Sorted and de-duplicated, so that the same recipients in another order are the same request. */
export function normaliseSelectors(to: RecipientSelectors): RecipientSelectors {
  const norm = (values: readonly string[]) => [...new Set(values)].sort();
  return {
    agentIds: norm(to.agentIds),
    teams: norm(to.teams),
    queues: norm(to.queues),
    campaigns: norm(to.campaigns),
    lists: norm(to.lists),
  };
}

export function requestHash(text: string, to: RecipientSelectors): string {
  return createHash('sha256')
    .update(JSON.stringify({ text, to: normaliseSelectors(to) }))
    .digest('hex');
}

export function hasGroups(to: RecipientSelectors): boolean {
  return SELECTOR_KINDS.some(({ field }) => to[field].length > 0);
}

/** De-duplicates recipients by agent id (the first name seen wins) and sorts them by id. */
export function mergeRecipients(...sources: readonly (readonly Recipient[])[]): Recipient[] {
  const byId = new Map<string, Recipient>();
  for (const source of sources) for (const r of source) if (!byId.has(r.agentId)) byId.set(r.agentId, r);
  return [...byId.values()].sort((a, b) => (a.agentId < b.agentId ? -1 : a.agentId > b.agentId ? 1 : 0));
}

export function chunk<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

export interface ResolveDeps {
  readonly directory: AgentDirectory;
}

const GROUP_PAGE = 1000;

/** Resolves selectors to agents of the caller's tenant: explicit ids that exist, plus every member of each group. */
export async function resolveRecipients(
  deps: ResolveDeps,
  tenant: string,
  to: RecipientSelectors,
): Promise<{ recipients: Recipient[]; unknownIds: string[] }> {
  const explicitIds = [...new Set(to.agentIds)];
  const profiles = explicitIds.length > 0 ? await deps.directory.getMany(tenant, explicitIds) : [];
  const found = new Set(profiles.map((p) => p.agentId));
  const explicit: Recipient[] = profiles.map((p) => ({ agentId: p.agentId, displayName: p.displayName }));
  const groups: Recipient[][] = [];
  for (const { field, kind } of SELECTOR_KINDS) {
    for (const value of new Set(to[field])) {
      let cursor: string | undefined;
      do {
        const page = await deps.directory.listGroup(tenant, kind, value, { cursor, limit: GROUP_PAGE });
        groups.push(page.items);
        cursor = page.cursor;
      } while (cursor);
    }
  }
  return {
    recipients: mergeRecipients(explicit, ...groups),
    unknownIds: explicitIds.filter((id) => !found.has(id)).sort(),
  };
}

export interface PreviewResult {
  readonly count: number;
  /** Set when exactly one agent is addressed. */
  readonly recipient: Recipient | null;
  /** The first recipients by id (up to `limit`). */
  readonly recipients: Recipient[];
  readonly unknownIds: string[];
}

export async function previewRecipients(
  deps: ResolveDeps,
  principal: Principal,
  to: RecipientSelectors,
  limit = 50,
): Promise<PreviewResult> {
  const { recipients, unknownIds } = await resolveRecipients(deps, principal.tenant, to);
  return {
    count: recipients.length,
    recipient: recipients.length === 1 ? (recipients[0] ?? null) : null,
    recipients: recipients.slice(0, limit),
    unknownIds: unknownIds.slice(0, 100),
  };
}
