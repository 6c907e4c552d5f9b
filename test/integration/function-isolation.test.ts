import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { ROOT_DIR } from '../../lib/local/runtime.ts';

/**
 * The local runtime gives each function what its Lambda execution environment would: its own variables (not every
 * function's) and its own module instances (no configuration, cache or logger shared with another function).
 */
describe('function isolation in the local runtime', () => {
  it('gives each function its own environment and module instances', async () => {
    const env = { ...process.env };
    delete env.CONNECT_INSTANCE_ARNS;
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ['--import', 'tsx', 'test/support/isolation-probe.ts'],
      { cwd: ROOT_DIR, env },
    );
    expect(JSON.parse(stdout.trim().split('\n').at(-1) ?? '{}')).toEqual({
      one: ['arn:one'],
      two: ['arn:two'],
      oneLater: ['arn:one'],
      sameLogger: false,
      outside: null,
      written: null,
    });
  });
});
