import type * as z from 'zod';
import { BadRequestError, type FieldIssue, ValidationError } from '#domain/errors.ts';

/** Parses `input` with `schema`; a failure becomes a 400 listing every offending field. */
export function parseOrThrow<S extends z.ZodType>(schema: S, input: unknown, what: string): z.output<S> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const issues: FieldIssue[] = result.error.issues.map((issue) => ({
    path: issue.path.map(String).join('.') || '(root)',
    message: issue.message,
  }));
  const first = issues[0];
  const summary = first ? `${first.path}: ${first.message}` : 'invalid';
  throw new ValidationError(`Invalid ${what}: ${summary}`, issues);
}

/** Malformed JSON: the same 400 `BAD_JSON` for a REST body and a WebSocket frame (one contract for both). */
export const badJson = (what: string) => new BadRequestError('BAD_JSON', `The ${what} is not valid JSON`);

/** Parses a JSON text; malformed JSON is a 400, not a 500. */
export function parseJson(text: string | undefined | null, what: string): unknown {
  if (text === undefined || text === null || text === '') return undefined;
  try {
    return JSON.parse(text);
  } catch {
    throw badJson(what);
  }
}

/**
 * Why API Gateway routed a frame to `$default` (its `action` matches no route, or it is not JSON at all): a 400 that
 * says which, with the frame's `id` (if it had one) to reply to.
 */
export function unroutedFrame(body: string | undefined): { error: BadRequestError; replyId?: string } {
  let frame: unknown;
  try {
    frame = JSON.parse(body ?? '');
  } catch {
    return { error: badJson('frame') };
  }
  if (typeof frame !== 'object' || frame === null || Array.isArray(frame)) {
    return { error: new BadRequestError('BAD_FRAME', 'Frames must be JSON objects like {"action":"ping"}') };
  }
  const { action, id } = frame as { action?: unknown; id?: unknown };
  const reply = typeof id === 'string' ? { replyId: id } : {};
  if (typeof action !== 'string' || action === '') {
    return { error: new BadRequestError('MISSING_ACTION', 'The frame has no "action" field'), ...reply };
  }
  return { error: new BadRequestError('UNKNOWN_ACTION', `Unknown action "${action.slice(0, 64)}"`), ...reply };
}
