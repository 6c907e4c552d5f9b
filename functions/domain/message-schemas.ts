import * as z from 'zod';
import { tenantIdSchema, userIdSchema } from './ids.ts';
import { MAX_EXPLICIT_RECIPIENTS } from './message-model.ts';
import { pure } from './pure.ts';

/**
 * The wire schemas of coaching messages, the inbox and the directory (REST bodies and WebSocket frames share them).
 * Types of the use cases are plain interfaces in message-model.ts; these schemas produce values of those shapes.
 */

/** A team, queue, campaign or list name; it becomes the last segment of a key, so control characters are out. */
export const groupValueSchema = /*@__PURE__*/ pure(() =>
  z
    .string()
    .min(1)
    .max(128)
    // biome-ignore lint/suspicious/noControlCharactersInRegex: refusing control characters is the point
    .regex(/^[^\u0000-\u001f\u007f]+$/, 'a group name is 1-128 printable characters'),
);

const groupList = /*@__PURE__*/ pure(() =>
  z.array(groupValueSchema).max(100, 'at most 100 groups of one kind per message'),
);

export const selectorsSchema = /*@__PURE__*/ pure(() =>
  z
    .object({
      agentIds: z
        .array(userIdSchema)
        .max(MAX_EXPLICIT_RECIPIENTS, `at most ${MAX_EXPLICIT_RECIPIENTS} agent ids per message`)
        .default([]),
      teams: groupList.default([]),
      queues: groupList.default([]),
      campaigns: groupList.default([]),
      lists: groupList.default([]),
    })
    .strict()
    .refine(
      (s) => s.agentIds.length + s.teams.length + s.queues.length + s.campaigns.length + s.lists.length > 0,
      'name at least one recipient: agentIds, teams, queues, campaigns or lists',
    ),
);

/** Message text: 1-2000 characters (code points) and not only whitespace; the tenant's own limit is checked later. */
export const messageTextSchema = /*@__PURE__*/ pure(() =>
  z
    .string()
    .refine((t) => t.trim().length > 0, 'the text must not be empty')
    .refine((t) => [...t].length <= 2000, 'the text is at most 2000 characters'),
);

export const sendBodySchema = /*@__PURE__*/ pure(() =>
  z.object({ text: messageTextSchema, to: selectorsSchema }).strict(),
);
export const previewBodySchema = /*@__PURE__*/ pure(() => z.object({ to: selectorsSchema }).strict());

/** The `Idempotency-Key` header: printable ASCII, e.g. a UUID. */
export const idempotencyKeySchema = /*@__PURE__*/ pure(() =>
  z
    .string()
    .min(1)
    .max(128)
    .regex(/^[\x21-\x7e]+$/, 'an Idempotency-Key is 1-128 printable ASCII characters'),
);

export const messageIdSchema = /*@__PURE__*/ pure(() =>
  z.string().regex(/^[0-9a-f]{32}$/, 'a message id is 32 hexadecimal characters'),
);

/** Which messages to mark read: one id, several, or all of today's. */
export const readSelectionShape = /*@__PURE__*/ pure(() => ({
  messageId: messageIdSchema.optional(),
  messageIds: z.array(messageIdSchema).min(1).max(500).optional(),
  all: z.literal(true).optional(),
}));

export function toReadSelection(body: {
  messageId?: string | undefined;
  messageIds?: string[] | undefined;
  all?: true | undefined;
}): { ids: string[] } | { all: true } {
  if (body.all) return { all: true };
  return { ids: [...(body.messageId ? [body.messageId] : []), ...(body.messageIds ?? [])] };
}

export const oneReadSelection = (b: { messageId?: unknown; messageIds?: unknown; all?: unknown }) =>
  [b.messageId, b.messageIds, b.all].filter((v) => v !== undefined).length === 1;
export const ONE_READ_SELECTION = 'give exactly one of messageId, messageIds or all: true';

export const readBodySchema = /*@__PURE__*/ pure(() =>
  z.object(readSelectionShape).strict().refine(oneReadSelection, ONE_READ_SELECTION),
);

export const pageQuerySchema = /*@__PURE__*/ pure(() =>
  z.object({
    cursor: z.string().min(1).max(2048).optional(),
    limit: z.coerce.number().int().min(1).max(200).default(50),
  }),
);

/**
 * `GET /messages`: pages only. Strict, so `?q=` (there is no search of sent messages; `GET /inbox?q=` searches an
 * inbox) or any other unknown parameter is a 400 naming it instead of being silently ignored.
 */
export const sentQuerySchema = /*@__PURE__*/ pure(() => pageQuerySchema.strict());

/** `GET /inbox`: paged like `GET /messages` (the cursor's form is checked by the use case: 400 BAD_CURSOR). */
export const inboxQuerySchema = /*@__PURE__*/ pure(() =>
  pageQuerySchema.extend({ q: z.string().trim().min(1).max(200).optional() }),
);

export const messageParamsSchema = /*@__PURE__*/ pure(() => z.object({ id: messageIdSchema }));

// Async-invoke events of the messaging workers ------------------------------------------------------------------

/** The fan-out coordinator's event (adapters/message-dispatcher.ts sends it): which message to fan out. */
export const fanOutEventSchema = /*@__PURE__*/ pure(() =>
  z.object({ tenant: tenantIdSchema, messageId: z.string().regex(/^[0-9a-f]{32}$/) }),
);

/** A fan-out shard worker's event: one shard of a message's plan. */
export const fanOutShardEventSchema = /*@__PURE__*/ pure(() =>
  z.object({
    tenant: tenantIdSchema,
    messageId: z.string().regex(/^[0-9a-f]{32}$/),
    shard: z.number().int().min(0).max(100_000),
  }),
);

/** The receipts worker's event: entries an agent was just handed, to mark delivered. */
export const deliveredReceiptsEventSchema = /*@__PURE__*/ pure(() =>
  z.object({
    tenant: tenantIdSchema,
    agentId: userIdSchema,
    messageIds: z
      .array(z.string().regex(/^[0-9a-f]{32}$/))
      .min(1)
      .max(5000),
    atMs: z.number().int().positive(),
  }),
);

// Directory ----------------------------------------------------------------------------------------------------

export const agentBodySchema = /*@__PURE__*/ pure(() =>
  z
    .object({
      displayName: z.string().trim().min(1).max(200),
      team: groupValueSchema.optional(),
      queues: z.array(groupValueSchema).max(100).default([]),
      campaigns: z.array(groupValueSchema).max(100).default([]),
      lists: z.array(groupValueSchema).max(100).default([]),
    })
    .strict(),
);

export const MAX_IMPORT = 1000;
export const importBodySchema = /*@__PURE__*/ pure(() =>
  z
    .object({
      agents: z
        .array(agentBodySchema.extend({ agentId: userIdSchema }))
        .min(1)
        .max(MAX_IMPORT, `at most ${MAX_IMPORT} agents per import`),
    })
    .strict(),
);

export const agentParamsSchema = /*@__PURE__*/ pure(() => z.object({ agentId: userIdSchema }));
