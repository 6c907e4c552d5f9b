import { afterAll, describe, expect, it } from 'vitest';
import { startFunctionHost } from '../../lib/local/function-host.ts';
import { invoke, lambdaContext } from '../../lib/local/lambda.ts';
import { ROOT_DIR } from '../../lib/local/runtime.ts';

/**
 * The local runtime runs every function in a worker thread of its own (lib/local/function-host.ts): what an emulator
 * gives a handler and reads back must cross that boundary unchanged.
 */
describe('function host', () => {
  const crashes: Error[] = [];
  const host = startFunctionHost((error) => crashes.push(error));
  afterAll(() => host.close());
  const entry = 'test/support/host-fixture.ts';

  it('runs a function with its own environment and returns its result', async () => {
    const one = await host.load(ROOT_DIR, { name: 'One', entry }, { FIXTURE_VALUE: 'one' });
    const two = await host.load(ROOT_DIR, { name: 'Two', entry }, { FIXTURE_VALUE: 'two' });
    const context = lambdaContext('One', 5_000);
    const first = (await one({ op: 'echo', payload: { a: [1, 'x', null] } }, context)) as Record<string, unknown>;
    expect(first).toMatchObject({ payload: { a: [1, 'x', null] }, value: 'one', functionName: 'One', invocations: 1 });
    expect(first.requestId).toBe(context.awsRequestId);
    expect(first.remainingMs).toBeGreaterThan(4_000);
    expect(first.remainingMs).toBeLessThanOrEqual(5_000);
    // Module state is per function: Two has its own counter and its own variables.
    expect(await invoke('Two', two, { op: 'echo' })).toMatchObject({ value: 'two', invocations: 1 });
    expect(await invoke('One', one, { op: 'echo' })).toMatchObject({ value: 'one', invocations: 2 });
  });

  it('gives back what a handler throws with its name and message', async () => {
    const fn = await host.load(ROOT_DIR, { name: 'Thrower', entry }, {});
    const error = await invoke('Thrower', fn, { op: 'throw' }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(Error);
    expect(error).toMatchObject({ name: 'ConditionalCheckFailedException', message: 'the condition was not met' });
  });

  it('tells a running handler that the emulator which invoked it is closing', async () => {
    const fn = await host.load(ROOT_DIR, { name: 'Sweeper', entry }, {});
    const closing = new AbortController();
    const running = invoke('Sweeper', fn, { op: 'until-aborted' }, 60_000, closing.signal);
    await new Promise((resolve) => setTimeout(resolve, 50));
    closing.abort();
    await expect(running).resolves.toBe('stopped');
  });

  it('fails the load of a function whose init fails, naming it', async () => {
    await expect(host.load(ROOT_DIR, { name: 'Broken', entry }, { FIXTURE_FAIL_INIT: 'yes' })).rejects.toThrow(
      'Broken failed to initialise: FIXTURE_VALUE is required',
    );
    expect(crashes).toEqual([]);
  });

  it('runs a function in a second environment of its own while the first is busy', async () => {
    const two = startFunctionHost((error) => crashes.push(error), 2);
    try {
      const fn = await two.load(ROOT_DIR, { name: 'Scaled', entry }, { FIXTURE_VALUE: 'scaled' });
      const slow = invoke('Scaled', fn, { op: 'wait', payload: 300 });
      // The first environment is busy: a cold start in the second, with its own module state and the same variables.
      expect(await invoke('Scaled', fn, { op: 'echo' })).toMatchObject({ value: 'scaled', invocations: 1 });
      expect(await slow).toEqual({ invocations: 1 });
      // Both idle: the first environment again, which has now run two invocations.
      expect(await invoke('Scaled', fn, { op: 'echo' })).toMatchObject({ invocations: 2 });
      // Another function keeps the first environment busy: a function warm and idle there still runs there (Lambda
      // reuses a free warm environment of the same function), no cold start in the second.
      const quiet = await two.load(ROOT_DIR, { name: 'Quiet', entry }, {});
      expect(await invoke('Quiet', quiet, { op: 'echo' })).toMatchObject({ invocations: 1 });
      const other = invoke('Scaled', fn, { op: 'wait', payload: 300 });
      expect(await invoke('Quiet', quiet, { op: 'echo' })).toMatchObject({ invocations: 2 });
      await other;
      // A function held to one environment (a stream's consumer) waits for none but never leaves it.
      const single = await two.load(ROOT_DIR, { name: 'Single', entry }, {}, 1);
      const busy = invoke('Single', single, { op: 'wait', payload: 300 });
      expect(await invoke('Single', single, { op: 'echo' })).toMatchObject({ invocations: 2 });
      expect(await busy).toEqual({ invocations: 1 });
    } finally {
      await two.close();
    }
  });

  it('initialises a function held to the last environments where it runs, so its first invocation is warm', async () => {
    const two = startFunctionHost((error) => crashes.push(error), 2);
    try {
      const consumer = await two.load(ROOT_DIR, { name: 'Consumer', entry }, {}, 1);
      const loaded = Date.now();
      await new Promise((resolve) => setTimeout(resolve, 200));
      // Initialised by the load, in the environment it runs in: not by its first invocation (a cold start).
      const first = (await invoke('Consumer', consumer, { op: 'echo' })) as { initialisedAt: number };
      expect(first).toMatchObject({ invocations: 1 });
      expect(first.initialisedAt).toBeLessThanOrEqual(loaded);
    } finally {
      await two.close();
    }
  });

  it('answers every invocation once closed, with an error', async () => {
    const other = startFunctionHost((error) => crashes.push(error));
    const fn = await other.load(ROOT_DIR, { name: 'Late', entry }, {});
    const running = expect(invoke('Late', fn, { op: 'until-aborted' }, 60_000)).rejects.toThrow(
      'The function host is closed',
    );
    await other.close();
    await running;
    await expect(invoke('Late', fn, { op: 'echo' })).rejects.toThrow('The function host is closed');
  });
});
