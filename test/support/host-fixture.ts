/**
 * A function for test/integration/function-host.test.ts, loaded by the local runtime's function host as a registry
 * function would be: it reports what it sees (its environment, its context) and fails in the ways the emulators must
 * read back (a named error, an init failure, an invocation aborted by the emulator that made it).
 */
import type { Context } from 'aws-lambda';

class NamedFailure extends Error {
  override readonly name = 'ConditionalCheckFailedException';
}

if (process.env.FIXTURE_FAIL_INIT === 'yes') throw new Error('FIXTURE_VALUE is required');

let invocations = 0;
/** When this environment's instance of the module was initialised (a cold start happens at its first invocation). */
const initialisedAt = Date.now();

export async function handler(event: { op: string; payload?: unknown }, context: Context): Promise<unknown> {
  invocations += 1;
  switch (event.op) {
    case 'echo':
      return {
        payload: event.payload,
        value: process.env.FIXTURE_VALUE ?? null,
        requestId: context.awsRequestId,
        functionName: context.functionName,
        remainingMs: context.getRemainingTimeInMillis(),
        invocations,
        initialisedAt,
      };
    case 'wait': {
      const mine = invocations; // which invocation of this environment this one was
      await new Promise((resolve) => setTimeout(resolve, Number(event.payload)));
      return { invocations: mine };
    }
    case 'throw':
      throw new NamedFailure('the condition was not met');
    case 'until-aborted':
      // Works until its time is up, as the inactivity sweeper does; an abort makes the remaining time 0.
      while (context.getRemainingTimeInMillis() > 0) await new Promise((resolve) => setTimeout(resolve, 10));
      return 'stopped';
    default:
      throw new Error(`unknown op ${event.op}`);
  }
}
