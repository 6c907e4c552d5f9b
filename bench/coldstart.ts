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
 * deployed `NODE_OPTIONS` (none by default; `--source-maps` measures the bundles and `NODE_OPTIONS` of a deployment
 * with `-c sourceMaps=true`). `init_ms` is the median wall time of 7 processes, `init_cpu_ms` the median CPU time
 * (user + system, all threads) — steadier than wall time when other work shares the machine. `zod_schemas`: the zod
 * schema objects the function builds at init (counted in a second, instrumented build; null if zod's internals moved).
 * The processes of all functions are interleaved (one round over every function, 7 rounds), so a busy moment of the
 * machine does not land on one function's runs.
 * Floors (`floors` in the JSON), measured in the same rounds and the same harness, bundled with the same options:
 * what no function can go below on this machine — an empty ES module handler (the harness and `import()` alone), a
 * module importing every Node built-in the bundles import (Node's own cost to load them: `https`, `crypto`,
 * `stream`, …, which any SDK client needs), a bare DynamoDB document client built at module scope (the SDK alone, as
 * the composition builds it), zod with one schema (the library alone), a Powertools logger, and the minimal function
 * the house standard allows with a table (that client, middy, zod with one schema and the logger in one module).
 * Goals: bundle ≤ 700 KB, init ≤ 50 ms on this machine. Options: --source-maps, --runs N (7).
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { build, type Metafile, type Plugin } from 'esbuild';
import { esbuildOptions, sourceMapOptions } from '../lib/bundling.ts';
import { ROOT_DIR } from '../lib/local/runtime.ts';
import { accessEnvironment } from '../lib/registry/environment.ts';
import { HANDLERS, type HandlerDefinition } from '../lib/registry/index.ts';
import { TABLES } from '../lib/tables.ts';

const KB = 1024;
const BUNDLE_GOAL = 700 * KB;
const INIT_GOAL_MS = 50;

/**
 * Exactly the configuration each function gets (lib/registry/environment.ts, as deployed); values only need to be
 * well-formed: nothing is called.
 */
function environment(def: HandlerDefinition, nodeOptions: string | undefined): Record<string, string> {
  return {
    PATH: process.env.PATH ?? '',
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'bench',
    AWS_SECRET_ACCESS_KEY: 'bench',
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    POWERTOOLS_LOG_LEVEL: 'SILENT',
    ...(nodeOptions ? { NODE_OPTIONS: nodeOptions } : {}),
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

/**
 * One fresh process importing the bundle: [wall ms, CPU ms] of the import alone, and the zod schemas built meanwhile
 * (only the instrumented bundles count them).
 */
function initOnce(file: string, env: Record<string, string>): [number, number, number | null] {
  const script =
    'const c=process.cpuUsage();const t=performance.now();' +
    `await import(${JSON.stringify(`file://${file}`)});` +
    'const w=performance.now()-t;const u=process.cpuUsage(c);' +
    'process.stdout.write(w+" "+(u.user+u.system)/1000+" "+(globalThis.__zodSchemas??0));';
  const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], { env, cwd: ROOT_DIR });
  const [wall, cpu, schemas] = out.toString().split(' ');
  if (!Number.isFinite(Number(wall)) || !Number.isFinite(Number(cpu)))
    throw new Error(`Unexpected output: ${out.toString()}`);
  return [Number(wall), Number(cpu), schemas === 'null' ? null : Number(schemas)];
}

/** zod's constructor of every schema object (zod 4's core), and the line of it that the instrumented build counts at. */
const ZOD_CORE = /zod[\\/]v4[\\/]core[\\/]core\.js$/;
const ZOD_CONSTRUCT = 'function _(def) {';
/** Whether the instrumented build found zod's constructor to count at (if not, `zod_schemas` is null). */
let zodCounted = true;
/**
 * An esbuild plugin counting zod schema constructions in `globalThis.__zodSchemas` (the count is all it adds). A
 * bundle without zod builds none: 0.
 */
const countZodSchemas: Plugin = {
  name: 'count-zod-schemas',
  setup(b) {
    b.onLoad({ filter: ZOD_CORE }, (args) => {
      const source = readFileSync(args.path, 'utf8');
      if (!source.includes(ZOD_CONSTRUCT)) {
        zodCounted = false; // zod changed: no count (null), the bench still runs
        return undefined;
      }
      const counted = `${ZOD_CONSTRUCT} globalThis.__zodSchemas = (globalThis.__zodSchemas ?? 0) + 1;`;
      return { contents: source.replace(ZOD_CONSTRUCT, counted), loader: 'js' };
    });
  },
};

/** The floors (see the file comment): entry name → module source, bundled like a function. */
function floorSources(builtins: readonly string[]): Record<string, string> {
  return {
    'empty module': 'export const handler = async () => ({});',
    // Used, or esbuild drops the imports of built-ins as free of side effects.
    'node built-ins': [
      ...builtins.map((b, i) => `import * as b${i} from ${JSON.stringify(b)};`),
      `export const handler = async () => [${builtins.map((_, i) => `b${i}`).join(', ')}].length;`,
    ].join('\n'),
    'dynamodb client': [
      "import { DynamoDBClient } from '@aws-sdk/client-dynamodb';",
      "import { DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';",
      'const db = DynamoDBDocumentClient.from(new DynamoDBClient({}));',
      "export const handler = async () => db.send(new GetCommand({ TableName: 't', Key: { pk: 'k' } }));",
    ].join('\n'),
    'zod, one schema': [
      "import * as z from 'zod';",
      'const schema = z.object({ id: z.string() });',
      'export const handler = async (event) => schema.parse(event);',
    ].join('\n'),
    // The smallest function the house standard allows with a table: the SDK client, middy, zod and the logger.
    'minimal function (dynamodb + middy + zod + logger)': [
      "import { DynamoDBClient } from '@aws-sdk/client-dynamodb';",
      "import { DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';",
      "import { Logger } from '@aws-lambda-powertools/logger';",
      "import middy from '@middy/core';",
      "import * as z from 'zod';",
      'const db = DynamoDBDocumentClient.from(new DynamoDBClient({}));',
      'const logger = new Logger({ serviceName: "bench" });',
      'const schema = z.object({ id: z.string() });',
      'export const handler = middy(async (event) => {',
      '  logger.info("hi");',
      "  return db.send(new GetCommand({ TableName: 't', Key: { pk: schema.parse(event).id } }));",
      '});',
    ].join('\n'),
    'powertools logger': [
      "import { Logger } from '@aws-lambda-powertools/logger';",
      'const logger = new Logger({ serviceName: "bench" });',
      'export const handler = async () => logger.info("hi");',
    ].join('\n'),
  };
}

interface Figures {
  readonly name: string;
  readonly bundle_bytes: number;
  readonly init_ms: number;
  readonly init_cpu_ms: number;
  readonly zod_schemas: number | null;
}

export async function run(args: string[] = []): Promise<Record<string, unknown>> {
  const { values } = parseArgs({
    args,
    options: { 'source-maps': { type: 'boolean', default: false }, runs: { type: 'string', default: '7' } },
  });
  const RUNS = Number(values.runs);
  const maps = sourceMapOptions(values['source-maps'] === true);
  const outDir = join(ROOT_DIR, '.bench-data', 'coldstart');
  rmSync(outDir, { recursive: true, force: true });
  mkdirSync(outDir, { recursive: true });
  const { outfile: _single, entryPoints: _one, ...options } = esbuildOptions('', '', maps);
  const entryPoints = Object.fromEntries(HANDLERS.map((h) => [h.name, join(ROOT_DIR, h.entry)]));
  const bundle = async (dir: string, extra: Partial<Parameters<typeof build>[0]> = {}) =>
    (
      await build({
        ...options,
        entryPoints,
        outdir: dir,
        outExtension: { '.js': '.mjs' },
        logLevel: 'error',
        metafile: true,
        ...extra,
      })
    ).metafile as Metafile;
  const metafile = await bundle(join(outDir, 'functions'));
  await bundle(join(outDir, 'counted'), { plugins: [countZodSchemas], sourcemap: false });
  const builtins = [
    ...new Set(Object.values(metafile.outputs).flatMap((o) => o.imports.filter((i) => i.external).map((i) => i.path))),
  ].sort();
  const floors = Object.entries(floorSources(builtins));
  await Promise.all(
    floors.map(([name, contents], i) =>
      build({
        ...options,
        stdin: { contents, resolveDir: ROOT_DIR, sourcefile: `floor-${i}.mjs`, loader: 'js' },
        outfile: join(outDir, 'floors', `${i}.mjs`),
        logLevel: 'error',
      }).then(() => name),
    ),
  );
  const files = HANDLERS.map((h) => join(outDir, 'functions', `${h.name}.mjs`));
  const envs = HANDLERS.map((h) => environment(h, maps.nodeOptions));
  const wall = HANDLERS.map((): number[] => []);
  const cpu = HANDLERS.map((): number[] => []);
  const floorWall = floors.map((): number[] => []);
  const floorCpu = floors.map((): number[] => []);
  const floorEnv = { ...environment(HANDLERS[0] as HandlerDefinition, maps.nodeOptions) };
  for (let r = 0; r < RUNS; r++) {
    process.stderr.write(`round ${r + 1}/${RUNS}\n`);
    HANDLERS.forEach((_, i) => {
      const [w, c] = initOnce(files[i] as string, envs[i] as Record<string, string>);
      wall[i]?.push(w);
      cpu[i]?.push(c);
    });
    floors.forEach((_, i) => {
      const [w, c] = initOnce(join(outDir, 'floors', `${i}.mjs`), floorEnv);
      floorWall[i]?.push(w);
      floorCpu[i]?.push(c);
    });
  }
  const schemas = HANDLERS.map((h, i) => initOnce(join(outDir, 'counted', `${h.name}.mjs`), envs[i] ?? {})[2]);
  const results: Figures[] = HANDLERS.map((h, i) => ({
    name: h.name,
    bundle_bytes: statSync(files[i] as string).size,
    init_ms: round1(median(wall[i] ?? [])),
    init_cpu_ms: round1(median(cpu[i] ?? [])),
    zod_schemas: zodCounted ? (schemas[i] ?? null) : null,
  }));
  const floorFigures = floors.map(([name], i) => ({
    name,
    init_ms: round1(median(floorWall[i] ?? [])),
    init_cpu_ms: round1(median(floorCpu[i] ?? [])),
  }));

  const width = Math.max(...results.map((r) => r.name.length));
  const lines = results.map(
    (r) =>
      `  ${r.name.padEnd(width)}  ${(r.bundle_bytes / KB).toFixed(1).padStart(6)} KB${r.bundle_bytes > BUNDLE_GOAL ? ' (over 700 KB)' : '              '}` +
      `  ${r.init_ms.toFixed(1).padStart(6)} ms${r.init_ms > INIT_GOAL_MS ? ' (over 50 ms)' : '             '}  cpu ${r.init_cpu_ms.toFixed(1).padStart(6)} ms` +
      `  zod schemas ${String(r.zod_schemas ?? '?').padStart(4)}`,
  );
  const bytes = results.map((r) => r.bundle_bytes);
  const inits = results.map((r) => r.init_ms);
  const slowest = results.reduce((a, b) => (b.init_ms > a.init_ms ? b : a));
  const largest = results.reduce((a, b) => (b.bundle_bytes > a.bundle_bytes ? b : a));
  const over = results.filter((r) => r.init_ms > INIT_GOAL_MS || r.bundle_bytes > BUNDLE_GOAL).map((r) => r.name);
  process.stdout.write(
    [
      `coldstart: ${results.length} functions; bundles as deployed (AWS SDK bundled, minified ESM, tree-shaken, source maps ${maps.sourceMap ? 'on' : 'off'}); init = import of the bundle in a fresh node process (NODE_OPTIONS=${maps.nodeOptions ?? ''}), median of ${RUNS} (KB = 1,024 bytes)`,
      ...lines,
      '  floors (same harness and options):',
      ...floorFigures.map(
        (f) =>
          `  ${f.name.padEnd(width)}            ${f.init_ms.toFixed(1).padStart(6)} ms              cpu ${f.init_cpu_ms.toFixed(1).padStart(6)} ms`,
      ),
      `  bundles: largest ${(largest.bundle_bytes / KB).toFixed(1)} KB (${largest.name}), median ${(median(bytes) / KB).toFixed(1)} KB — goal ≤ 700 KB`,
      `  init: slowest ${slowest.init_ms.toFixed(1)} ms (${slowest.name}), median ${median(inits).toFixed(1)} ms — goal ≤ 50 ms`,
      `  ${over.length === 0 ? 'every function meets both goals' : `over a goal: ${over.join(', ')}`}`,
      '',
    ].join('\n'),
  );
  return {
    runs: RUNS,
    source_maps: maps.sourceMap,
    goal_bundle_bytes: BUNDLE_GOAL,
    goal_init_ms: INIT_GOAL_MS,
    max_bundle_bytes: largest.bundle_bytes,
    median_bundle_bytes: median(bytes),
    max_init_ms: slowest.init_ms,
    median_init_ms: median(inits),
    max_init_cpu_ms: Math.max(...results.map((r) => r.init_cpu_ms)),
    median_init_cpu_ms: median(results.map((r) => r.init_cpu_ms)),
    over_goal: over,
    floors: floorFigures,
    functions: results,
  };
}
