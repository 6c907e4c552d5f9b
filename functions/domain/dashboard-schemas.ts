import * as z from 'zod';
import { groupValueSchema } from './message-schemas.ts';
import { pure } from './pure.ts';
import { isoDate } from './status-schemas.ts';

/** Agents per dashboard page: a page reads at most this many agents × 31 days of counter records. */
export const DASHBOARD_MAX_LIMIT = 50;

/**
 * `GET /dashboard/agents`: a period of local dates in the tenant's time zone (both inclusive, default the last 7 days
 * up to today), optional team and queue filters (both: members of the team who serve the queue), a page of agents.
 * Unknown parameters are refused, so a misspelt filter never silently widens the answer.
 */
export const dashboardQuerySchema = /*@__PURE__*/ pure(() =>
  z
    .object({
      from: isoDate.optional(),
      to: isoDate.optional(),
      team: groupValueSchema.optional(),
      queue: groupValueSchema.optional(),
      cursor: z.string().min(1).max(2048).optional(),
      limit: z.coerce.number().int().min(1).max(DASHBOARD_MAX_LIMIT).default(20),
    })
    .strict(),
);
export type DashboardQuery = z.output<typeof dashboardQuerySchema>;
