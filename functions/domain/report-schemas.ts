import * as z from 'zod';
import { userIdSchema } from './ids.ts';
import { groupValueSchema, idempotencyKeySchema } from './message-schemas.ts';
import { pure } from './pure.ts';
import { REPORT_CATEGORIES, REPORT_LIMITS, REPORT_SEVERITIES, type ReportInput } from './report-model.ts';

/**
 * The wire schemas of issue reports: the REST body and the WebSocket frame share the report fields; list and export
 * share the filters. Each schema produces the plain shapes of report-model.ts.
 */

// biome-ignore lint/suspicious/noControlCharactersInRegex: refusing control characters is the point
const NO_CONTROL_EXCEPT_LINES = /^[^\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]*$/;
// biome-ignore lint/suspicious/noControlCharactersInRegex: refusing control characters is the point
const PRINTABLE_LINE = /^[^\u0000-\u001f\u007f]*$/;

/** Free text limited in code points (what people count), without control characters other than line breaks/tabs. */
const freeText = (max: number, what: string) =>
  z
    .string()
    .refine((t) => [...t].length <= max, `${what} is at most ${max} characters`)
    .refine((t) => NO_CONTROL_EXCEPT_LINES.test(t), `${what} must not contain control characters`)
    .transform((t) => t.trim())
    .refine((t) => t.length > 0, `${what} must not be empty`);

const shortLabel = (what: string) =>
  z.string().min(1).max(64).regex(PRINTABLE_LINE, `${what} is 1-64 printable characters`);

/** Timestamps outside these years are typing errors or clock faults, whatever the clock says. */
const EARLIEST = /*@__PURE__*/ pure(() => Date.UTC(2000, 0, 1));
const LATEST = /*@__PURE__*/ pure(() => Date.UTC(2100, 0, 1));
/** An ISO 8601 instant with an offset, normalised to UTC with milliseconds (stored keys compare as strings). */
export const isoInstantSchema = /*@__PURE__*/ pure(() =>
  z.iso
    .datetime({ offset: true })
    .transform((s) => Date.parse(s))
    .refine((ms) => ms >= EARLIEST && ms < LATEST, 'a time between the years 2000 and 2099')
    .transform((ms) => new Date(ms).toISOString()),
);

export const reportCategorySchema = /*@__PURE__*/ pure(() => z.enum(REPORT_CATEGORIES));
export const reportSeveritySchema = /*@__PURE__*/ pure(() => z.enum(REPORT_SEVERITIES));
/** Amazon Connect contact ids are UUIDs; other ids of the same shape are accepted as they are. */
export const contactIdSchema = /*@__PURE__*/ pure(() =>
  z.string().regex(/^[A-Za-z0-9-]{1,128}$/, 'a contact id is 1-128 letters, digits or -'),
);
/** Alert ids are `<raised ms>.<rule>.<contact id>` (domain/alerts/rules.ts); nothing of them may form another key. */
export const alertIdSchema = /*@__PURE__*/ pure(() =>
  z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._:-]{0,199}$/, 'an alert id is 1-200 letters, digits, ., _, : or -'),
);
export const alertTypeSchema = /*@__PURE__*/ pure(() =>
  z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, 'an alert type is 1-64 letters, digits, ., _ or -'),
);
const percent = /*@__PURE__*/ pure(() => z.number().min(0, 'a percentage is 0-100').max(100, 'a percentage is 0-100'));

/** The report fields, as the REST body and the `reportIssue` frame carry them. */
export const reportFieldsShape = /*@__PURE__*/ pure(() => ({
  category: reportCategorySchema,
  severity: reportSeveritySchema,
  notes: freeText(REPORT_LIMITS.notes, 'notes').optional(),
  occurredAt: isoInstantSchema.optional(),
  contactId: contactIdSchema.optional(),
  errorShown: freeText(REPORT_LIMITS.errorShown, 'errorShown').optional(),
  /** Pre-fill from an alert's flag: the alert's id, and the type, contact id and error it showed. */
  alertId: alertIdSchema.optional(),
  alertType: alertTypeSchema.optional(),
  system: z.object({ cpuPercent: percent.optional(), memoryPercent: percent.optional() }).strict().optional(),
  client: z
    .object({
      browserName: shortLabel('browserName').optional(),
      browserVersion: shortLabel('browserVersion').optional(),
      extensionVersion: shortLabel('extensionVersion').optional(),
    })
    .strict()
    .optional(),
  clientReportId: z.uuid('clientReportId is a UUID').optional(),
}));

type ReportFields = z.output<z.ZodObject<typeof reportFieldsShape>>;

const ALERT_TYPE_NEEDS_ID = { message: 'alertType is only given with alertId', path: ['alertType'] };
const alertTypeHasId = (b: { alertId?: string | undefined; alertType?: string | undefined }) =>
  b.alertType === undefined || b.alertId !== undefined;

/** Flattens the wire shape into the use case's input; fields not given stay undefined (and out of the hash). */
export function toReportInput(b: ReportFields): ReportInput {
  return {
    category: b.category,
    severity: b.severity,
    notes: b.notes,
    occurredAt: b.occurredAt,
    contactId: b.contactId,
    errorShown: b.errorShown,
    alertId: b.alertId,
    alertType: b.alertType,
    cpuPercent: b.system?.cpuPercent,
    memoryPercent: b.system?.memoryPercent,
    browserName: b.client?.browserName,
    browserVersion: b.client?.browserVersion,
    extensionVersion: b.client?.extensionVersion,
    clientReportId: b.clientReportId,
  };
}

/** POST /reports */
export const reportBodySchema = /*@__PURE__*/ pure(() =>
  z.object(reportFieldsShape).strict().refine(alertTypeHasId, ALERT_TYPE_NEEDS_ID),
);

/** The `Idempotency-Key` header (or the frame's `idempotencyKey`), as for coaching messages. */
export { idempotencyKeySchema };

const periodOrdered = (q: { from?: string | undefined; to?: string | undefined }) =>
  q.from === undefined || q.to === undefined || q.from <= q.to;
const PERIOD_ORDER = { message: '`from` must not be after `to`', path: ['to'] };

const filterShape = /*@__PURE__*/ pure(() => ({
  agent: userIdSchema.optional(),
  team: groupValueSchema.optional(),
  category: reportCategorySchema.optional(),
  severity: reportSeveritySchema.optional(),
  from: isoInstantSchema.optional(),
  to: isoInstantSchema.optional(),
  cursor: z.string().min(1).max(2048).optional(),
}));

/** GET /reports — filters combine; the period applies to the time the report was made. */
export const listReportsQuerySchema = /*@__PURE__*/ pure(() =>
  z
    .object({ ...filterShape, limit: z.coerce.number().int().min(1).max(200).default(50) })
    .strict()
    .refine(periodOrdered, PERIOD_ORDER),
);

export const EXPORT_MAX_ROWS = 5000;
/** GET /reports/export — a period is required; one response holds at most `limit` rows (and a few MB). */
export const exportReportsQuerySchema = /*@__PURE__*/ pure(() =>
  z
    .object({
      ...filterShape,
      from: isoInstantSchema,
      to: isoInstantSchema,
      limit: z.coerce.number().int().min(1).max(EXPORT_MAX_ROWS).default(EXPORT_MAX_ROWS),
    })
    .strict()
    .refine(periodOrdered, PERIOD_ORDER),
);

/** `{"action":"reportIssue", ...report fields, idempotencyKey?}` */
export const reportFrameSchema = /*@__PURE__*/ pure(() =>
  z
    .object({
      action: z.literal('reportIssue'),
      id: z.string().max(64).optional(),
      idempotencyKey: idempotencyKeySchema.optional(),
      ...reportFieldsShape,
    })
    .strict()
    .refine(alertTypeHasId, ALERT_TYPE_NEEDS_ID),
);
