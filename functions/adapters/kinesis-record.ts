import type { KinesisStreamRecord } from 'aws-lambda';
import type * as z from 'zod';

/** A Kinesis record decoded and validated, or the reason it is malformed (logged and skipped, never retried). */
export type Decoded<T> = { ok: true; value: T } | { ok: false; reason: string };

/** base64 → JSON → zod: the whole decode of one Kinesis record, shared by every stream consumer. */
export function decodeKinesisRecord<T>(record: KinesisStreamRecord, schema: z.ZodType<T>): Decoded<T> {
  let json: unknown;
  try {
    json = JSON.parse(Buffer.from(record.kinesis.data, 'base64').toString('utf8'));
  } catch {
    return { ok: false, reason: 'not JSON' };
  }
  const result = schema.safeParse(json);
  if (result.success) return { ok: true, value: result.data };
  const issue = result.error.issues[0];
  return { ok: false, reason: issue ? `${issue.path.join('.')}: ${issue.message}` : 'invalid' };
}
