import * as z from 'zod';
import { HEARTBEAT_ID_PATTERN, type HeartbeatConfig, type HeartbeatOutcome, WEEKDAYS } from './heartbeat-model.ts';
import { tenantIdSchema, userIdSchema } from './ids.ts';
import { pure } from './pure.ts';
import { isoInstantSchema } from './report-schemas.ts';

/**
 * The wire schemas of heartbeats: the admin's config (REST), the result listing, the schedule's event and the events
 * Amazon Connect sends to the contact-flow Lambda.
 */

/** Connect resource ids (contact flow, queue) are UUIDs; a flow ARN's last segment is the id. */
const connectResourceId = /*@__PURE__*/ pure(() =>
  z.string().regex(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/, 'a Connect resource id is a UUID'),
);

export const heartbeatConfigBodySchema = /*@__PURE__*/ pure(
  () =>
    z
      .object({
        enabled: z.boolean(),
        cadenceMinutes: z.number().int().min(15, 'at least 15 minutes').max(10_080, 'at most a week'),
        window: z
          .object({
            fromHour: z.number().int().min(0).max(23),
            toHour: z.number().int().min(1).max(24),
            days: z
              .array(z.enum(WEEKDAYS))
              .min(1)
              .max(7)
              .default([...WEEKDAYS]),
          })
          .strict()
          .refine((w) => w.fromHour < w.toHour, { message: 'fromHour must be before toHour', path: ['toHour'] })
          .transform((w) => ({ ...w, days: [...new Set(w.days)] })),
        contactFlowId: connectResourceId,
        queueId: connectResourceId.optional(),
        maxConcurrent: z.number().int().min(1).max(10, 'at most 10 (Connect allows 10 concurrent calls by default)'),
      })
      .strict() satisfies z.ZodType<HeartbeatConfig>,
);

const SIXTY_TWO_DAYS = 62 * 86_400_000;
export const listHeartbeatsQuerySchema = /*@__PURE__*/ pure(() =>
  z
    .object({
      agent: userIdSchema,
      from: isoInstantSchema,
      to: isoInstantSchema,
      cursor: z.string().max(2048).optional(),
      limit: z.coerce.number().int().min(1).max(200).default(50),
    })
    .strict()
    .refine((q) => q.from <= q.to, { message: 'from must not be after to', path: ['to'] })
    .refine((q) => Date.parse(q.to) - Date.parse(q.from) <= SIXTY_TWO_DAYS, {
      message: 'a period is at most 62 days',
      path: ['to'],
    }),
);

/** What the tenant's schedule sends (Target.Input). */
export const heartbeatTickSchema = /*@__PURE__*/ pure(() => z.object({ tenant: tenantIdSchema }).strict());

/** Contact attributes the backend sets on StartOutboundVoiceContact; the flow carries them to every Lambda step. */
export const HEARTBEAT_ATTRIBUTES = { tenant: 'hbTenant', agent: 'hbAgent', id: 'hbId' } as const;

export const heartbeatIdSchema = /*@__PURE__*/ pure(() => z.string().regex(HEARTBEAT_ID_PATTERN, 'not a heartbeat id'));

/** A Connect `ContactFlowEvent` as far as this system reads it; anything more is tolerated. */
export const contactFlowEventSchema = /*@__PURE__*/ pure(() =>
  z
    .object({
      Name: z.literal('ContactFlowEvent'),
      Details: z
        .object({
          ContactData: z
            .object({
              ContactId: z.string().min(1).max(256),
              InstanceARN: z.string().min(1).max(2048),
              Attributes: z
                .object({
                  [HEARTBEAT_ATTRIBUTES.tenant]: tenantIdSchema,
                  [HEARTBEAT_ATTRIBUTES.agent]: userIdSchema,
                  [HEARTBEAT_ATTRIBUTES.id]: heartbeatIdSchema,
                })
                .loose(),
            })
            .loose(),
          Parameters: z.record(z.string(), z.string()).default({}),
        })
        .loose(),
    })
    .loose(),
);
export type ContactFlowEvent = z.output<typeof contactFlowEventSchema>;

/** The step the flow is at, from the Lambda block's parameters. */
export const flowStepSchema = /*@__PURE__*/ pure(() => z.enum(['route', 'outcome']));

/** Connect passes every parameter as a string. */
const score = /*@__PURE__*/ pure(() => z.coerce.number().min(0).max(5));
const millis = /*@__PURE__*/ pure(() => z.coerce.number().int().min(0).max(600_000));
export const outcomeParametersSchema = /*@__PURE__*/ pure(() =>
  z
    .object({
      result: z.enum(['answered', 'no-answer', 'error']),
      axScore: score.optional(),
      cxScore: score.optional(),
      networkScore: score.optional(),
      mos: score.optional(),
      setupMs: millis.optional(),
      answerMs: millis.optional(),
    })
    .loose()
    .transform((p): HeartbeatOutcome => {
      const { result, axScore, cxScore, networkScore, mos, setupMs, answerMs } = p;
      return Object.fromEntries(
        Object.entries({ result, axScore, cxScore, networkScore, mos, setupMs, answerMs }).filter(
          ([, v]) => v !== undefined,
        ),
      ) as unknown as HeartbeatOutcome;
    }),
);

const e164 = /*@__PURE__*/ pure(() =>
  z.string().regex(/^\+[1-9]\d{6,14}$/, 'an E.164 phone number such as +442071234567'),
);

/**
 * The operator's heartbeat lines, per Connect instance id: the number a test call dials (a number of that instance
 * whose inbound flow is the heartbeat flow, or any answering test endpoint) and the caller id it presents. They are
 * operator configuration (CDK context `heartbeatLines`), never a tenant's: a tenant admin must not make the platform
 * dial, or present, numbers the tenant does not own.
 */
export const heartbeatLinesSchema = /*@__PURE__*/ pure(() =>
  z.record(
    z.string().regex(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/, 'a Connect instance id (UUID)'),
    z.object({ destinationPhoneNumber: e164, sourcePhoneNumber: e164.optional() }).strict(),
  ),
);
export type HeartbeatLines = z.infer<typeof heartbeatLinesSchema>;
