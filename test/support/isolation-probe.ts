/**
 * Run by test/integration/function-isolation.test.ts in a Node process of its own (the module hooks of the local
 * runtime act on Node's loader, which vitest's module runner bypasses): loads one project module as two functions
 * with different environments, as lib/local/runtime.ts loads every function, and prints what each one saw.
 */
import { pathToFileURL } from 'node:url';
import { installFunctionIsolation } from '../../lib/local/function-isolation.ts';
import { ROOT_DIR } from '../../lib/local/runtime.ts';

type Runtime = typeof import('../../functions/composition/status.ts');
type Powertools = typeof import('../../functions/shared/powertools.ts');

const isolation = installFunctionIsolation();
const url = (file: string, fn: string) => isolation.moduleUrl(pathToFileURL(`${ROOT_DIR}/${file}`).href, fn);
const envOf = (arns: string) => ({ CONNECT_INSTANCE_ARNS: arns, POWERTOOLS_SERVICE_NAME: 'probe' });
const one = envOf('arn:one');
const two = envOf('arn:two');

const load = async (fn: string, env: Record<string, string>) =>
  isolation.run(env, async () => ({
    runtime: (await import(url('functions/composition/status.ts', fn))) as Runtime,
    powertools: (await import(url('functions/shared/powertools.ts', fn))) as Powertools,
  }));
const first = await load('FunctionOne', one);
const second = await load('FunctionTwo', two);
const seen = {
  // `connectInstances` reads the environment once per module instance (at first use) and keeps it.
  one: isolation.run(one, () => first.runtime.connectInstances()),
  two: isolation.run(two, () => second.runtime.connectInstances()),
  // Asked again from inside the other function's context: each kept its own.
  oneLater: isolation.run(two, () => first.runtime.connectInstances()),
  sameLogger: first.powertools.logger === second.powertools.logger,
  // Outside any function: the runtime's own environment, which has none of the functions' variables.
  outside: process.env.CONNECT_INSTANCE_ARNS ?? null,
  // A variable a function writes stays in its own environment.
  written: isolation.run(one, () => {
    process.env.PROBE_WRITE = 'one';
    return isolation.run(two, () => process.env.PROBE_WRITE ?? null);
  }),
};
process.stdout.write(`${JSON.stringify(seen)}\n`);
