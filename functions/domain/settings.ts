import * as z from 'zod';
import { alertSettingsPatchSchema, alertSettingsSchema } from './alerts/schemas.ts';
import { pure } from './pure.ts';
import { isTimeZone } from './zoned-time.ts';

/** Each field once, without defaults: the document adds defaults, a patch makes every field optional. */
const fields = /*@__PURE__*/ pure(
  () =>
    ({
      general: {
        /** IANA time zone of the contact centre: "today", cleardown and daily reports are in this zone. */
        timeZone: z.string().refine(isTimeZone, 'not an IANA time zone such as Europe/London'),
      },
      messaging: {
        /** Local hour (0-23) at which the day's messages are cleared. */
        cleardownHour: z.number().int().min(0).max(23),
        /** Longest message text accepted, in characters. */
        maxTextLength: z.number().int().min(1).max(2000),
      },
      status: {
        /** An agent silent (no ping, frame or REST call) for this long is set Offline. */
        inactivityWindowSeconds: z.number().int().min(30).max(3600),
        /** How long status changes are kept in the status log. */
        logRetentionDays: z.number().int().min(1).max(400),
      },
      reports: {
        /** How long issue reports are kept (DynamoDB TTL from the time of the report). */
        retentionDays: z.number().int().min(1).max(730),
      },
    }) as const,
);

/**
 * The per-tenant settings document, one section per capability. A later capability adds its section here with
 * defaults for every field, so documents stored before it existed still parse.
 */
export const settingsSchema = /*@__PURE__*/ pure(() =>
  z.object({
    general: z.object({ timeZone: fields.general.timeZone.default('UTC') }).prefault({}),
    messaging: z
      .object({
        cleardownHour: fields.messaging.cleardownHour.default(3),
        maxTextLength: fields.messaging.maxTextLength.default(2000),
      })
      .prefault({}),
    status: z
      .object({
        inactivityWindowSeconds: fields.status.inactivityWindowSeconds.default(60),
        logRetentionDays: fields.status.logRetentionDays.default(30),
      })
      .prefault({}),
    /** Telemetry alerts: the switch, thresholds and durations, retention, self-help (fields in #domain/alerts). */
    alerts: alertSettingsSchema,
    reports: z.object({ retentionDays: fields.reports.retentionDays.default(90) }).prefault({}),
  }),
);

export type TenantSettings = z.output<typeof settingsSchema>;

export const DEFAULT_SETTINGS: TenantSettings = /*@__PURE__*/ pure(() => settingsSchema.parse({}));

/** An update names only what changes: every section and field is optional, unknown fields are refused. */
export const settingsPatchSchema = /*@__PURE__*/ pure(() =>
  z
    .object({
      // Built from the fields without defaults: a default here would overwrite a stored value the patch did not name.
      general: z.object(fields.general).partial().strict().optional(),
      messaging: z.object(fields.messaging).partial().strict().optional(),
      status: z.object(fields.status).partial().strict().optional(),
      alerts: alertSettingsPatchSchema.optional(),
      reports: z.object(fields.reports).partial().strict().optional(),
    })
    .strict(),
);

export type SettingsPatch = z.output<typeof settingsPatchSchema>;

/** Applies a patch section by section and re-validates the whole document. */
export function applySettingsPatch(current: TenantSettings, patch: SettingsPatch): TenantSettings {
  return settingsSchema.parse({
    general: { ...current.general, ...patch.general },
    messaging: { ...current.messaging, ...patch.messaging },
    status: { ...current.status, ...patch.status },
    // Self-help entries merge per alert type: a patch naming one type leaves the others' content alone.
    alerts: {
      ...current.alerts,
      ...patch.alerts,
      selfHelp: { ...current.alerts.selfHelp, ...patch.alerts?.selfHelp },
    },
    reports: { ...current.reports, ...patch.reports },
  });
}

/** Where the tenant settings document lives. */
export interface SettingsRepository {
  /** The stored document merged over the defaults (a tenant that never saved settings gets the defaults). */
  get(tenant: string): Promise<TenantSettings>;
  /** Applies a partial update atomically (optimistic concurrency on a version) and returns the new document. */
  update(tenant: string, patch: SettingsPatch, updatedBy: string): Promise<TenantSettings>;
}
