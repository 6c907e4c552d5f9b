/**
 * coldstart: for every function of the registry, the deployed bundle's size and its module-init time (the median of
 * several fresh Node processes importing it, as a Lambda cold start does before the first invocation).
 * Targets: bundle ≤ 200 KB minified, init ≤ 40 ms on this machine.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';
import { esbuildOptions } from '../lib/bundling.ts';
import { ROOT_DIR } from '../lib/local/runtime.ts';
import { accessEnvironment } from '../lib/registry/environment.ts';
import { HANDLERS, type HandlerDefinition } from '../lib/registry/index.ts';
import { TABLES } from '../lib/tables.ts';

const RUNS = 7;
const BUNDLE_LIMIT = 200 * 1024;
const INIT_LIMIT_MS = 40;

/**
 * Exactly the configuration each function gets (lib/registry/environment.ts, as deployed); values only need to be
 * well-formed: nothing is called.
 */
function environment(def: HandlerDefinition): Record<string, string> {
  return {
    PATH: process.env.PATH ?? '',
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'bench',
    AWS_SECRET_ACCESS_KEY: 'bench',
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    POWERTOOLS_LOG_LEVEL: 'SILENT',
    ...accessEnvironment(def, {
      tableName: (key) => TABLES[key].id,
      streamName: (key) => key,
      functionName: (name) => name,
      functionArn: (name) => `arn:aws:lambda:us-east-1:000000000000:function:${name}`,
      wsEndpoint: 'https://example.execute-api.us-east-1.amazonaws.com/prod',
      tokens: {
        issuer: 'https://cognito-idp.us-east-1.amazonaws.com/us-east-1_example',
        audience: 'client',
        jwksUri: 'https://cognito-idp.us-east-1.amazonaws.com/us-east-1_example/.well-known/jwks.json',
      },
      scheduling: () => ({ group: 'bench', roleArn: 'arn:aws:iam::000000000000:role/bench' }),
      connectInstanceArns: ['arn:aws:connect:us-east-1:000000000000:instance/00000000-0000-4000-8000-000000000000'],
    }),
  };
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
};

export async function run(): Promise<Record<string, unknown>> {
  // Inside the repository, so that the external @aws-sdk/* resolve from node_modules as the runtime's copy would.
  const outDir = join(ROOT_DIR, '.bench-data', 'coldstart');
  rmSync(outDir, { recursive: true, force: true });
  mkdirSync(outDir, { recursive: true });
  const results: Array<{ name: string; bundle_bytes: number; init_ms: number }> = [];
  for (const [i, h] of HANDLERS.entries()) {
    const outfile = join(outDir, h.name, 'index.mjs');
    await build({ ...esbuildOptions(join(ROOT_DIR, h.entry), outfile), logLevel: 'error' });
    const bytes = statSync(outfile).size;
    const script = `const t=performance.now();await import(${JSON.stringify(`file://${outfile}`)});process.stdout.write(String(performance.now()-t));`;
    const times: number[] = [];
    for (let r = 0; r < RUNS; r++) {
      times.push(
        Number(
          execFileSync(process.execPath, ['--input-type=module', '-e', script], {
            env: environment(h),
            cwd: ROOT_DIR,
          }).toString(),
        ),
      );
    }
    const init = Math.round(median(times) * 10) / 10;
    results.push({ name: h.name, bundle_bytes: bytes, init_ms: init });
    process.stderr.write(`[${i + 1}/${HANDLERS.length}] ${h.name}\n`);
  }
  const width = Math.max(...results.map((r) => r.name.length));
  const lines = results.map(
    (r) =>
      `  ${r.name.padEnd(width)}  ${(r.bundle_bytes / 1024).toFixed(1).padStart(7)} KB${r.bundle_bytes > BUNDLE_LIMIT ? ' (over 200 KB)' : ''}  ${r.init_ms.toFixed(1).padStart(6)} ms${r.init_ms > INIT_LIMIT_MS ? ' (over 40 ms)' : ''}`,
  );
  const maxBytes = Math.max(...results.map((r) => r.bundle_bytes));
  const maxInit = Math.max(...results.map((r) => r.init_ms));
  process.stdout.write(
    [
      `coldstart: ${results.length} functions, bundles minified with @aws-sdk/* external (provided by the runtime), init = median of ${RUNS} fresh processes`,
      ...lines,
      `  largest bundle ${(maxBytes / 1024).toFixed(1)} KB (target ≤ 200 KB), slowest init ${maxInit.toFixed(1)} ms (target ≤ 40 ms)`,
      '',
    ].join('\n'),
  );
  return { functions: results };
}
