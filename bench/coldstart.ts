/**
 * coldstart: for every function of the registry, the deployed bundle's size and its init time.
 *
 * Bundles: built with the deployed options (lib/bundling.ts: the AWS SDK bundled, minified ESM, tree-shaken), all in
 * one esbuild run; `bundle_bytes` is the size of the function's `.mjs` (its source map is not loaded unless
 * `--enable-source-maps`, and is not counted).
 * Init: what Lambda's init phase does with the code — a fresh `node` process (`--input-type=module`) takes the
 * time and the process's CPU time, `await import()`s the bundle, and prints both: reading, compiling and evaluating
 * the module and everything it does at module scope (configuration parsed, SDK clients and adapters built). Node's own
 * start-up before the clock starts is not counted; Lambda's runtime start is not ours to shorten. The process gets
 * exactly what the deployed function gets: its registry environment (well-formed values: nothing is called) and the
 * deployed `NODE_OPTIONS` (source maps on). `init_ms` is the median wall time of 7 processes, `init_cpu_ms` the
 * median CPU time (user + system, all threads) — steadier than wall time when other work shares the machine.
 * The processes of all functions are interleaved (one round over every function, 7 rounds), so a busy moment of the
 * machine does not land on one function's runs.
 * Goals: bundle ≤ 700 KB, init ≤ 50 ms on this machine.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';
import { BUNDLE, esbuildOptions } from '../lib/bundling.ts';
import { ROOT_DIR } from '../lib/local/runtime.ts';
import { accessEnvironment } from '../lib/registry/environment.ts';
import { HANDLERS, type HandlerDefinition } from '../lib/registry/index.ts';
import { TABLES } from '../lib/tables.ts';

const RUNS = 7;
const KB = 1024;
const BUNDLE_GOAL = 700 * KB;
const INIT_GOAL_MS = 50;

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
    NODE_OPTIONS: BUNDLE.nodeOptions,
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
      heartbeatLines: {},
    }),
  };
}

const median = (values: readonly number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
};
const round1 = (n: number) => Math.round(n * 10) / 10;

/** One fresh process importing the bundle: [wall ms, CPU ms] of the import alone. */
function initOnce(file: string, env: Record<string, string>): [number, number] {
  const script =
    'const c=process.cpuUsage();const t=performance.now();' +
    `await import(${JSON.stringify(`file://${file}`)});` +
    'const w=performance.now()-t;const u=process.cpuUsage(c);process.stdout.write(w+" "+(u.user+u.system)/1000);';
  const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], { env, cwd: ROOT_DIR });
  const [wall, cpu] = out.toString().split(' ').map(Number);
  if (!Number.isFinite(wall) || !Number.isFinite(cpu)) throw new Error(`Unexpected output: ${out.toString()}`);
  return [wall as number, cpu as number];
}

interface Figures {
  readonly name: string;
  readonly bundle_bytes: number;
  readonly init_ms: number;
  readonly init_cpu_ms: number;
}

export async function run(): Promise<Record<string, unknown>> {
  const outDir = join(ROOT_DIR, '.bench-data', 'coldstart');
  rmSync(outDir, { recursive: true, force: true });
  mkdirSync(outDir, { recursive: true });
  const { outfile: _single, entryPoints: _one, ...options } = esbuildOptions('', '');
  await build({
    ...options,
    entryPoints: Object.fromEntries(HANDLERS.map((h) => [h.name, join(ROOT_DIR, h.entry)])),
    outdir: outDir,
    outExtension: { '.js': '.mjs' },
    logLevel: 'error',
  });
  const files = HANDLERS.map((h) => join(outDir, `${h.name}.mjs`));
  const envs = HANDLERS.map(environment);
  const wall = HANDLERS.map((): number[] => []);
  const cpu = HANDLERS.map((): number[] => []);
  for (let r = 0; r < RUNS; r++) {
    process.stderr.write(`round ${r + 1}/${RUNS}\n`);
    HANDLERS.forEach((_, i) => {
      const [w, c] = initOnce(files[i] as string, envs[i] as Record<string, string>);
      wall[i]?.push(w);
      cpu[i]?.push(c);
    });
  }
  const results: Figures[] = HANDLERS.map((h, i) => ({
    name: h.name,
    bundle_bytes: statSync(files[i] as string).size,
    init_ms: round1(median(wall[i] ?? [])),
    init_cpu_ms: round1(median(cpu[i] ?? [])),
  }));

  const width = Math.max(...results.map((r) => r.name.length));
  const lines = results.map(
    (r) =>
      `  ${r.name.padEnd(width)}  ${(r.bundle_bytes / KB).toFixed(1).padStart(6)} KB${r.bundle_bytes > BUNDLE_GOAL ? ' (over 700 KB)' : '              '}` +
      `  ${r.init_ms.toFixed(1).padStart(6)} ms${r.init_ms > INIT_GOAL_MS ? ' (over 50 ms)' : '             '}  cpu ${r.init_cpu_ms.toFixed(1).padStart(6)} ms`,
  );
  const bytes = results.map((r) => r.bundle_bytes);
  const inits = results.map((r) => r.init_ms);
  const slowest = results.reduce((a, b) => (b.init_ms > a.init_ms ? b : a));
  const largest = results.reduce((a, b) => (b.bundle_bytes > a.bundle_bytes ? b : a));
  const over = results.filter((r) => r.init_ms > INIT_GOAL_MS || r.bundle_bytes > BUNDLE_GOAL).map((r) => r.name);
  process.stdout.write(
    [
      `coldstart: ${results.length} functions; bundles as deployed (AWS SDK bundled, minified ESM, tree-shaken); init = import of the bundle in a fresh node process (NODE_OPTIONS=${BUNDLE.nodeOptions}), median of ${RUNS} (KB = 1,024 bytes)`,
      ...lines,
      `  bundles: largest ${(largest.bundle_bytes / KB).toFixed(1)} KB (${largest.name}), median ${(median(bytes) / KB).toFixed(1)} KB — goal ≤ 700 KB`,
      `  init: slowest ${slowest.init_ms.toFixed(1)} ms (${slowest.name}), median ${median(inits).toFixed(1)} ms — goal ≤ 50 ms`,
      `  ${over.length === 0 ? 'every function meets both goals' : `over a goal: ${over.join(', ')}`}`,
      '',
    ].join('\n'),
  );
  return {
    runs: RUNS,
    goal_bundle_bytes: BUNDLE_GOAL,
    goal_init_ms: INIT_GOAL_MS,
    max_bundle_bytes: largest.bundle_bytes,
    median_bundle_bytes: median(bytes),
    max_init_ms: slowest.init_ms,
    median_init_ms: median(inits),
    max_init_cpu_ms: Math.max(...results.map((r) => r.init_cpu_ms)),
    median_init_cpu_ms: median(results.map((r) => r.init_cpu_ms)),
    over_goal: over,
    functions: results,
  };
}
