import { describe, expect, it } from 'vitest';
import { once, wire } from '../../functions/composition/once.ts';

describe('the composition idiom', () => {
  it('once builds on the first call and hands every later call the same value', () => {
    // Prepare
    let built = 0;
    const make = once(() => ({ n: ++built }));

    // Act
    const first = make();
    const second = make();

    // Assess
    expect(built).toBe(1);
    expect(second).toBe(first);
  });

  it('wire builds the dependencies when the handler takes the use case, once, and passes them first', async () => {
    // Prepare
    let built = 0;
    const deps = once(() => ({ id: ++built, prefix: 'hello' }));
    const greet = async (d: { id: number; prefix: string }, name: string, times: number) =>
      `${d.prefix} ${name} x${times} (deps ${d.id})`;
    const wired = wire(deps, greet);
    expect(built).toBe(0);

    // Act
    const useCase = wired();
    const again = wired();

    // Assess: a missing variable would fail here, at module scope, not at the first request.
    expect(built).toBe(1);
    expect(again).toBe(useCase);
    expect(await useCase('ada', 2)).toBe('hello ada x2 (deps 1)');
    expect(await useCase('bob', 1)).toBe('hello bob x1 (deps 1)');
    expect(built).toBe(1);
  });

  it('a failing build fails every call, so a broken environment never half-starts', () => {
    // Prepare
    let attempts = 0;
    const make = once(() => {
      attempts++;
      throw new Error('TABLE_NAME is missing');
    });

    // Act / Assess
    expect(() => make()).toThrow('TABLE_NAME is missing');
    expect(() => make()).toThrow('TABLE_NAME is missing');
    expect(attempts).toBe(2);
  });
});
