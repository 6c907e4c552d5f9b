import { describe, expect, it } from 'vitest';
import { optionsFromEnv } from '../../lib/local/runtime-options.ts';

/** `npm start`'s settings from the environment: defaults, and a clear error for a value that makes no sense. */
describe('local runtime settings', () => {
  const log = () => undefined;

  it('runs functions in two environments unless FUNCTION_THREADS says otherwise', () => {
    expect(optionsFromEnv({}, log).functionThreads).toBe(2);
    expect(optionsFromEnv({ FUNCTION_THREADS: '1' }, log).functionThreads).toBe(1);
    expect(optionsFromEnv({ FUNCTION_THREADS: '' }, log).functionThreads).toBe(2);
    for (const bad of ['0', '17', '1.5', 'two'])
      expect(() => optionsFromEnv({ FUNCTION_THREADS: bad }, log)).toThrow(
        `FUNCTION_THREADS must be a whole number from 1 to 16, not "${bad}"`,
      );
  });

  it('takes ports from 0 (a free one) to 65535, and refuses others', () => {
    expect(optionsFromEnv({ PORT: '0', WS_PORT: '4001' }, log)).toMatchObject({ port: 0, wsPort: 4001 });
    expect(() => optionsFromEnv({ PORT: '70000' }, log)).toThrow(
      'PORT must be a port number (0 = random), not "70000"',
    );
    expect(() => optionsFromEnv({ KINESIS_PORT: '-1' }, log)).toThrow(/KINESIS_PORT must be a port number/);
  });
});
