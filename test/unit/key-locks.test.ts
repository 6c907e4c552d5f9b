import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { KeyLocks } from '../../lib/local/key-locks.ts';

/** Lets every promise continuation that can run now run. */
const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('KeyLocks', () => {
  it('lets readers share a key, and a writer wait for them', async () => {
    const locks = new KeyLocks();
    const r1 = await locks.lock(['k'], false);
    const r2 = await locks.lock(['k'], false);
    let written = false;
    const w = locks.lock(['k'], true).then((release) => {
      written = true;
      return release;
    });
    await settle();
    expect(written).toBe(false);
    r1();
    await settle();
    expect(written).toBe(false);
    r2();
    (await w)();
    expect(written).toBe(true);
    expect(locks.size).toBe(0);
  });

  it('holds new readers back behind a waiting writer (the writer is not starved)', async () => {
    const locks = new KeyLocks();
    const order: string[] = [];
    const r1 = await locks.lock(['k'], false);
    const w = locks.lock(['k'], true).then((release) => {
      order.push('writer');
      release();
    });
    const r2 = locks.lock(['k'], false).then((release) => {
      order.push('late reader');
      release();
    });
    await settle();
    expect(order).toEqual([]);
    r1();
    await Promise.all([w, r2]);
    expect(order).toEqual(['writer', 'late reader']);
  });

  it("does not block on other keys, and takes a request's keys whatever order it names them in", async () => {
    const locks = new KeyLocks();
    const held = await locks.lock(['b'], true);
    let ab = false;
    const waiting = locks.lock(['b', 'a'], true).then((release) => {
      ab = true;
      release();
    });
    (await locks.lock(['c', 'd'], true))();
    await settle();
    expect(ab).toBe(false);
    // It took `a` (sorted first) and waits for `b`: `a` is not free.
    expect(locks.waiting).toBe(1);
    held();
    await waiting;
    expect(ab).toBe(true);
    expect(locks.size).toBe(0);
  });

  it('never deadlocks and never lets a writer share a key, whatever the requests (property)', async () => {
    const request = fc.record({
      keys: fc.uniqueArray(fc.constantFrom('a', 'b', 'c', 'd', 'e'), { minLength: 1, maxLength: 4 }),
      exclusive: fc.boolean(),
      holdTicks: fc.nat({ max: 3 }),
      startTick: fc.nat({ max: 3 }),
    });
    await fc.assert(
      fc.asyncProperty(fc.array(request, { minLength: 1, maxLength: 12 }), async (requests) => {
        const locks = new KeyLocks();
        const holders = new Map<string, { readers: number; writers: number }>();
        const ticks = async (n: number) => {
          for (let i = 0; i < n; i++) await settle();
        };
        await Promise.all(
          requests.map(async ({ keys, exclusive, holdTicks, startTick }) => {
            await ticks(startTick);
            const release = await locks.lock(keys, exclusive);
            for (const key of keys) {
              const h = holders.get(key) ?? { readers: 0, writers: 0 };
              if (exclusive) h.writers++;
              else h.readers++;
              holders.set(key, h);
              expect(h.writers === 0 || (h.writers === 1 && h.readers === 0)).toBe(true);
            }
            await ticks(holdTicks);
            for (const key of keys) {
              const h = holders.get(key) as { readers: number; writers: number };
              if (exclusive) h.writers--;
              else h.readers--;
            }
            release();
          }),
        );
        expect(locks.size).toBe(0);
      }),
      { numRuns: 200 },
    );
  });
});
