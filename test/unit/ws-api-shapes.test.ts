import { describe, expect, it } from 'vitest';
import { awsLikeId, ID_ALPHABET } from '../../lib/local/ws-api-shapes.ts';

describe('awsLikeId', () => {
  it('is shaped like API Gateway ids and never repeats, across refills of its random pool', () => {
    // 2,000 ids: the pool holds 256, so this crosses several refills.
    const ids = Array.from({ length: 2000 }, awsLikeId);
    for (const id of ids) {
      expect(id).toMatch(/^[A-Za-z0-9]{15}=$/);
      for (const c of id.slice(0, 15)) expect(ID_ALPHABET).toContain(c);
    }
    expect(new Set(ids).size).toBe(ids.length);
    // Every alphabet position is reachable (the bytes are used, not a constant pool).
    expect(new Set(ids.join('').replaceAll('=', '')).size).toBe(ID_ALPHABET.length);
  });
});
