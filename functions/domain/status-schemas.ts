import * as z from 'zod';
import { USER_ID_PATTERN } from './ids.ts';
import { pure } from './pure.ts';
import { STATUS_CODE_PATTERN, type StatusCode } from './status.ts';

/** Request shapes of the status capability (REST bodies/queries and WebSocket frames share the field schemas). */
const statusCodeText = /*@__PURE__*/ pure(() =>
  z.string().regex(STATUS_CODE_PATTERN, 'a status code such as "away" or "reason:ab12"'),
);
// The pattern admits exactly the built-in shapes and `reason:<id>`; whether the code exists is the use case's check.
export const statusCodeSchema = /*@__PURE__*/ pure(() => statusCodeText.transform((s) => s as StatusCode));
export const agentIdSchema = /*@__PURE__*/ pure(() => z.string().regex(USER_ID_PATTERN, 'an agent id'));

export const setStatusBodySchema = /*@__PURE__*/ pure(() => z.object({ status: statusCodeSchema }).strict());

export const agentParamsSchema = /*@__PURE__*/ pure(() => z.object({ id: agentIdSchema }));

const csv = /*@__PURE__*/ pure(() =>
  z
    .string()
    .transform((s) =>
      s
        .split(',')
        .map((v) => v.trim())
        .filter(Boolean),
    )
    .pipe(z.array(statusCodeSchema).min(1).max(20)),
);

export const listAgentsQuerySchema = /*@__PURE__*/ pure(() =>
  z.object({
    /** One or several statuses, comma separated. */
    status: csv.optional(),
    team: z.string().min(1).max(200).optional(),
    queue: z.string().min(1).max(200).optional(),
    cursor: z.string().max(2000).optional(),
    limit: z.coerce.number().int().min(1).max(200).default(50),
  }),
);

export const decisionBodySchema = /*@__PURE__*/ pure(() =>
  z.object({ decision: z.enum(['accept', 'reject']) }).strict(),
);
export const requestParamsSchema = /*@__PURE__*/ pure(() => z.object({ id: z.string().min(1).max(64) }));

const reasonName = /*@__PURE__*/ pure(() =>
  z
    .string()
    .trim()
    .min(1)
    .max(60)
    .regex(/^[^#\p{Cc}]+$/u, 'no "#" or control characters'),
);
const connectStatusId = /*@__PURE__*/ pure(() =>
  z.string().regex(/^[A-Za-z0-9-]{1,100}$/, 'a Connect agent status id'),
);

export const createReasonBodySchema = /*@__PURE__*/ pure(() =>
  z
    .object({
      name: reasonName,
      needsApproval: z.boolean().default(false),
      connectAgentStatusId: connectStatusId.optional(),
    })
    .strict(),
);
export const updateReasonBodySchema = /*@__PURE__*/ pure(() =>
  z
    .object({
      name: reasonName.optional(),
      needsApproval: z.boolean().optional(),
      retired: z.boolean().optional(),
      connectAgentStatusId: connectStatusId.optional(),
    })
    .strict()
    .refine((b) => Object.keys(b).length > 0, 'name at least one field'),
);
export const reasonParamsSchema = /*@__PURE__*/ pure(() => z.object({ id: z.string().regex(/^[a-z0-9]{1,16}$/) }));

/**
 * Reports cover years 2000–2099: outside them date arithmetic leaves the range JavaScript dates handle well (year 0
 * maps to 1900 in `Date.UTC`, year 9999 + 1 day has no YYYY-MM-DD form) — and no status log is that old or that new.
 */
const FIRST_DAY = '2000-01-01';
const LAST_DAY = '2099-12-31';
const inRange = (day: string) => day >= FIRST_DAY && day <= LAST_DAY;
const rangeMessage = `a date between ${FIRST_DAY} and ${LAST_DAY}`;
const isoInstant = /*@__PURE__*/ pure(() =>
  z.iso.datetime({ offset: true }).refine((value) => {
    const ms = Date.parse(value);
    return Number.isFinite(ms) && inRange(new Date(ms).toISOString().slice(0, 10));
  }, rangeMessage),
);
export const logQuerySchema = /*@__PURE__*/ pure(() =>
  z.object({ from: isoInstant.optional(), to: isoInstant.optional() }),
);
/** A local date (YYYY-MM-DD) within the years reports cover. */
export const isoDate = /*@__PURE__*/ pure(() => z.iso.date().refine(inRange, rangeMessage));
export const workloadQuerySchema = /*@__PURE__*/ pure(() => z.object({ from: isoDate, to: isoDate }));

/** PUT /connect/status-map: the tenant admin's part of the Connect configuration (never the instance). */
export const connectStatusMapBodySchema = /*@__PURE__*/ pure(() =>
  z.object({ statusMap: z.record(statusCodeText, connectStatusId) }).strict(),
);

export const connectInstanceArnSchema = /*@__PURE__*/ pure(() =>
  z.string().regex(/^arn:aws[a-z-]*:connect:[a-z0-9-]+:\d{12}:instance\/[0-9a-f-]{36}$/, 'a Connect instance ARN'),
);
/** PUT /operator/tenants/{tenant}/connect-instance */
export const bindInstanceBodySchema = /*@__PURE__*/ pure(() =>
  z.object({ instanceArn: connectInstanceArnSchema }).strict(),
);

/**
 * A record of the status feed stream (written by status changes and agent events, read by the feed consumer). The
 * event is the frame subscribers get; it must have a `type`. Unknown keys of the event pass (it is our own frame).
 */
export const feedRecordSchema = /*@__PURE__*/ pure(() =>
  z
    .object({
      tenant: z.string().min(1).max(200),
      event: z.looseObject({ type: z.string().min(1).max(64) }),
      agent: agentIdSchema.optional(),
      // API Gateway connection ids are short base64-like strings; anything else is refused, not matched.
      origin: z
        .string()
        .regex(/^[A-Za-z0-9+/=_-]{1,128}$/)
        .optional(),
    })
    .strict(),
);
