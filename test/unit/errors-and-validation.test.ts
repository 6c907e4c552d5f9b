import { describe, expect, it } from 'vitest';
import * as z from 'zod';
import { mapLimit } from '../../functions/domain/concurrency.ts';
import { AppError, ConflictError, toErrorResponse, ValidationError } from '../../functions/domain/errors.ts';
import { parseJson, parseOrThrow } from '../../functions/shared/validation.ts';

describe('error contract', () => {
  it('shows 4xx errors to the caller with code, message and details', () => {
    expect(toErrorResponse(new ConflictError('taken', 'ALREADY_DECIDED', { by: 'sam' }))).toEqual({
      statusCode: 409,
      body: { code: 'ALREADY_DECIDED', message: 'taken', details: { by: 'sam' } },
    });
  });

  it('hides everything else behind a generic 500', () => {
    expect(toErrorResponse(new Error('connection string leaked'))).toEqual({
      statusCode: 500,
      body: { code: 'INTERNAL', message: 'Internal error' },
    });
    expect(toErrorResponse(new AppError(503, 'X', 'upstream detail')).statusCode).toBe(500);
  });
});

describe('validation', () => {
  const schema = z.object({ text: z.string().min(1), to: z.array(z.string()).max(2) });

  it('lists every offending field', () => {
    try {
      parseOrThrow(schema, { text: '', to: ['a', 'b', 'c'] }, 'request body');
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(ValidationError);
      const details = (error as ValidationError).details as { issues: { path: string }[] };
      expect(details.issues.map((i) => i.path).sort()).toEqual(['text', 'to']);
      expect((error as ValidationError).statusCode).toBe(400);
    }
  });

  it('turns malformed JSON into a 400 BAD_JSON (REST bodies and frames alike), not a crash', () => {
    expect(() => parseJson('{"a":', 'frame')).toThrow(expect.objectContaining({ statusCode: 400, code: 'BAD_JSON' }));
    expect(parseJson('', 'frame')).toBeUndefined();
  });
});

describe('mapLimit', () => {
  it('keeps order and never exceeds the limit', async () => {
    let inFlight = 0;
    let peak = 0;
    const out = await mapLimit([5, 1, 4, 2, 3, 0], 2, async (n) => {
      inFlight++;
      peak = Math.max(peak, inFlight);
      await new Promise((r) => setTimeout(r, n));
      inFlight--;
      return n * 10;
    });
    expect(out).toEqual([50, 10, 40, 20, 30, 0]);
    expect(peak).toBe(2);
  });
});
