import * as z from 'zod';
import { USER_ID_PATTERN } from '../ids.ts';
import { pure } from '../pure.ts';

/**
 * Every shape of the alerts capability in one place: the telemetry a widget sends (WebSocket frame and REST body), the
 * Kinesis record the ingest writes and the processor reads, the REST queries, and the tenant settings section.
 */

/** ISO 8601 text (what the softphone library serialises) or epoch milliseconds. */
const timestamp = /*@__PURE__*/ pure(() =>
  z.union([
    z.number().int().min(0),
    z.string().refine((s) => !Number.isNaN(Date.parse(s)), 'an ISO 8601 timestamp or epoch milliseconds'),
  ]),
);
const count = /*@__PURE__*/ pure(() => z.number().min(0).nullish());

/**
 * One entry of amazon-connect-streams' `softphone_stats` (one per stream per second). Forwarded as the library gives
 * it: any field may be null on the first sample, `roundTripTimeMillis` exists only on `audio_output`, and fields the
 * library adds later are tolerated.
 */
export const softphoneStatSchema = /*@__PURE__*/ pure(() =>
  z
    .object({
      softphoneStreamType: z.enum(['audio_input', 'audio_output']),
      timestamp,
      packetsLost: count,
      packetsCount: count,
      audioLevel: z.number().nullish(),
      jitterBufferMillis: count,
      roundTripTimeMillis: count,
    })
    .loose(),
);

/** A softphone error as the library reports it (`errorType`, `errorMessage`; `message` accepted too). */
export const softphoneErrorSchema = /*@__PURE__*/ pure(() =>
  z
    .object({
      errorType: z.string().min(1).max(64),
      errorMessage: z.string().max(500).nullish(),
      message: z.string().max(500).nullish(),
      timestamp: timestamp.optional(),
    })
    .loose(),
);

/** CPU and memory from a browser extension (a page alone cannot read them). Memory in bytes. */
export const systemSampleSchema = /*@__PURE__*/ pure(() =>
  z
    .object({
      timestamp,
      cpuUsedPercent: z.number().min(0).max(100).nullish(),
      memoryTotal: z.number().min(0).nullish(),
      memoryAvailable: z.number().min(0).nullish(),
    })
    .loose()
    .refine((s) => s.memoryAvailable == null || s.memoryTotal == null || s.memoryAvailable <= s.memoryTotal, {
      message: 'memoryAvailable cannot exceed memoryTotal',
      path: ['memoryAvailable'],
    }),
);

/** The browser's microphone permission (Permissions API), when the widget can read it. */
export const permissionSchema = /*@__PURE__*/ pure(() =>
  z.object({ microphone: z.enum(['granted', 'denied', 'prompt']), timestamp }),
);

/**
 * A telemetry batch. The fields of `softphone_stats`' data (`contactId`, `ccpVersion`, `stats`) sit at the top level,
 * so a widget forwards that object unchanged: `{action:"telemetry", ...data}`.
 */
export const telemetryFields = /*@__PURE__*/ pure(() => ({
  contactId: z
    .string()
    .regex(/^[A-Za-z0-9._:-]{1,128}$/, 'a contact id (letters, digits, . _ : -)')
    .optional(),
  ccpVersion: z.string().max(64).nullish(),
  stats: z.array(softphoneStatSchema).max(600).default([]),
  errors: z.array(softphoneErrorSchema).max(50).default([]),
  system: z.array(systemSampleSchema).max(300).default([]),
  permission: permissionSchema.optional(),
}));

/** A batch must carry something: a frame with nothing in it is a client bug worth telling. */
export const hasSomething = (b: { stats: unknown[]; errors: unknown[]; system: unknown[]; permission?: unknown }) =>
  b.stats.length + b.errors.length + b.system.length > 0 || b.permission !== undefined;
export const EMPTY = { message: 'a batch needs stats, errors, system samples or a permission state' };

export const telemetryBodySchema = /*@__PURE__*/ pure(() =>
  z.object(telemetryFields).loose().refine(hasSomething, EMPTY),
);
export type TelemetryBody = z.output<typeof telemetryBodySchema>;

/** Microphone codes the stream carries: the softphone error, a denied permission, or a granted one. */
export const MIC_CODES = ['microphone_not_shared', 'permission-denied', 'granted'] as const;
export type MicCode = (typeof MIC_CODES)[number];

/** Numbers per second in the record's flat arrays. */
export const NET_STRIDE = 5;
export const SYS_STRIDE = 4;
/**
 * A flat array of `stride` numbers per second; −1 stands for a figure the client did not report. One loop instead of
 * a schema per element: the processor decodes every record of every agent every second, and per-element checks
 * cost it more than everything else it does with the record (see `npm run bench -- alerts`).
 */
const flat = (stride: number, maxSeconds: number) =>
  z.custom<number[]>(
    (a) => {
      if (!Array.isArray(a) || a.length > stride * maxSeconds || a.length % stride !== 0) return false;
      for (const v of a) if (typeof v !== 'number' || !Number.isFinite(v) || v < -1) return false;
      return true;
    },
    { message: `an array of numbers ≥ −1, ${stride} per second, at most ${maxSeconds} seconds` },
  );

/**
 * What the ingest writes to the stream: the batch merged per second and stamped with who sent it (from the token,
 * never from the client). Compact on purpose — the processor decodes every record of every agent every second:
 *   n  network, per second: [second epoch ms, packets lost, packets counted, worse jitter ms, RTT ms]
 *      (both softphone streams summed; loss and MOS are the processor's to compute)
 *   s  system, per second:  [second epoch ms, CPU used %, memory total, memory available]
 *   m  microphone events:   [[second epoch ms, code]]
 */
export const telemetryRecordSchema = /*@__PURE__*/ pure(() =>
  z.object({
    v: z.literal(1),
    tenant: z.string().min(1).max(64),
    agent: z.string().min(1).max(128),
    receivedAt: z.number().int().min(0),
    contactId: telemetryFields.contactId,
    n: flat(NET_STRIDE, 600),
    s: flat(SYS_STRIDE, 300),
    m: z.array(z.tuple([z.number().int().min(0), z.enum(MIC_CODES)])).max(50),
  }),
);
export type TelemetryRecord = z.output<typeof telemetryRecordSchema>;

export const RULE_IDS = ['poorNetwork', 'micBlocked', 'highCpu', 'lowMemory'] as const;
export type RuleId = (typeof RULE_IDS)[number];
export const ALERT_STATES = ['active', 'acknowledged', 'not-acknowledged'] as const;
export type AlertState = (typeof ALERT_STATES)[number];

/** Alert ids are opaque to clients: `<raised epoch ms>.<rule>.<contact id>`. */
export const alertIdSchema = /*@__PURE__*/ pure(() =>
  z.string().regex(/^\d{1,15}\.[A-Za-z]{1,20}\.[A-Za-z0-9._:-]{1,128}$/, 'an alert id'),
);
export const alertParamsSchema = /*@__PURE__*/ pure(() => z.object({ id: alertIdSchema }));

const isoInstant = /*@__PURE__*/ pure(() => z.iso.datetime({ offset: true }));
export const alertQuerySchema = /*@__PURE__*/ pure(() =>
  z
    .object({
      agent: z.string().regex(USER_ID_PATTERN, 'an agent id').optional(),
      team: z.string().min(1).max(200).optional(),
      state: z.enum(ALERT_STATES).optional(),
      from: isoInstant.optional(),
      to: isoInstant.optional(),
      cursor: z.string().max(2000).optional(),
      limit: z.coerce.number().int().min(1).max(200).default(50),
    })
    .refine((q) => !(q.agent && q.team), { message: 'filter by agent or by team, not both', path: ['team'] })
    .refine((q) => !q.from || !q.to || Date.parse(q.from) <= Date.parse(q.to), {
      message: 'from must not be after to',
      path: ['from'],
    }),
);
export type AlertQuery = z.output<typeof alertQuerySchema>;

// ---------------------------------------------------------------------------------------------------------------
// Tenant settings, section `alerts`
// ---------------------------------------------------------------------------------------------------------------

const seconds = /*@__PURE__*/ pure(() => z.number().int().min(1).max(600));
const link = /*@__PURE__*/ pure(() =>
  z.object({ label: z.string().trim().min(1).max(80), url: z.url({ protocol: /^https$/ }) }).strict(),
);
/** What the agent is shown with an alert, to fix the problem alone. */
export const selfHelpSchema = /*@__PURE__*/ pure(() =>
  z
    .object({
      title: z.string().trim().min(1).max(80),
      text: z.string().trim().min(1).max(500),
      links: z.array(link).max(5).default([]),
    })
    .strict(),
);
export type SelfHelp = z.output<typeof selfHelpSchema>;

/** Each field once, without defaults (domain/settings.ts adds them; a PATCH makes every field optional). */
export const alertSettingsFields = /*@__PURE__*/ pure(
  () =>
    ({
      /** The messenger's alert switch: off raises and pushes nothing, and telemetry is dropped at ingest. */
      enabled: z.boolean(),
      /** How long alerts are kept for admins (TTL). */
      retentionDays: z.number().int().min(1).max(400),
      /** Poor network: estimated MOS below this for at least `poorNetworkSeconds`. */
      poorNetworkMos: z.number().min(1).max(4.4),
      poorNetworkSeconds: seconds,
      /** High CPU: used % above this for at least `highCpuSeconds`. */
      highCpuPercent: z.number().min(10).max(100),
      highCpuSeconds: seconds,
      /** Low memory: available % of total below this for at least `lowMemorySeconds`. */
      lowMemoryPercent: z.number().min(1).max(90),
      lowMemorySeconds: seconds,
      /** Self-help content per alert type; a PATCH replaces the entries it names. */
      selfHelp: z.object({
        poorNetwork: selfHelpSchema.optional(),
        micBlocked: selfHelpSchema.optional(),
        highCpu: selfHelpSchema.optional(),
        lowMemory: selfHelpSchema.optional(),
      }),
    }) as const,
);

export const DEFAULT_SELF_HELP: Readonly<Record<RuleId, SelfHelp>> = {
  poorNetwork: {
    title: 'Poor call quality',
    text: 'Your connection is dropping audio. Close video calls and large downloads, or move to a wired connection.',
    links: [],
  },
  micBlocked: {
    title: 'Microphone blocked',
    text: 'The browser is not allowed to use your microphone. Click the padlock in the address bar and allow it.',
    links: [],
  },
  highCpu: {
    title: 'Computer overloaded',
    text: 'Your computer is very busy, which can break up the call. Close applications and browser tabs you do not need.',
    links: [],
  },
  lowMemory: {
    title: 'Memory almost full',
    text: 'Your computer is running out of memory. Close applications and browser tabs you do not need.',
    links: [],
  },
};

export const alertSettingsSchema = /*@__PURE__*/ pure(() =>
  z
    .object({
      enabled: alertSettingsFields.enabled.default(true),
      retentionDays: alertSettingsFields.retentionDays.default(90),
      poorNetworkMos: alertSettingsFields.poorNetworkMos.default(3.5),
      poorNetworkSeconds: alertSettingsFields.poorNetworkSeconds.default(15),
      highCpuPercent: alertSettingsFields.highCpuPercent.default(90),
      highCpuSeconds: alertSettingsFields.highCpuSeconds.default(30),
      lowMemoryPercent: alertSettingsFields.lowMemoryPercent.default(10),
      lowMemorySeconds: alertSettingsFields.lowMemorySeconds.default(30),
      selfHelp: alertSettingsFields.selfHelp.prefault({}),
    })
    .prefault({}),
);
export type AlertSettings = z.output<typeof alertSettingsSchema>;

export const alertSettingsPatchSchema = /*@__PURE__*/ pure(() =>
  z
    .object({ ...alertSettingsFields, selfHelp: alertSettingsFields.selfHelp.strict() })
    .partial()
    .strict(),
);
