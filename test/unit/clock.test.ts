import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isoOf } from '../../functions/domain/clock.ts';

describe('isoOf', () => {
  it('writes what Date#toISOString writes, for any instant, in any order', () => {
    const instant = fc.oneof(
      fc.integer({ min: 0, max: 253_402_300_799_999 }),
      // Runs of nearby instants: the cached hour prefix is reused, and crossed.
      fc.integer({ min: 1_772_445_600_000 - 5000, max: 1_772_445_600_000 + 5000 }),
      fc.double({ min: -1e6, max: 3e14, noNaN: true }),
    );
    fc.assert(
      fc.property(fc.array(instant, { minLength: 1, maxLength: 20 }), (instants) => {
        for (const ms of instants) {
          const expected = Number.isFinite(ms) && Math.abs(ms) <= 8.64e15 ? new Date(ms).toISOString() : undefined;
          if (expected !== undefined) expect(isoOf(ms)).toBe(expected);
        }
      }),
      { numRuns: 3000 },
    );
  });
});
