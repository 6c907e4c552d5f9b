import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { build, type Metafile } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { esbuildOptions } from '../../lib/bundling.ts';
import { ROOT_DIR } from '../../lib/local/runtime.ts';
import { HANDLERS } from '../../lib/registry/index.ts';
import type { Access } from '../../lib/registry/types.ts';

/** The size goal of a bundle (issue 9: cold starts), in KB of 1,024 bytes. */
const MAX_BUNDLE_BYTES = 700 * 1024;
/**
 * The one function over the goal, with the ceiling it must stay under and why (see the README's coldstart notes).
 * HeartbeatRun needs DynamoDB, @connections and Amazon Connect: the Connect client alone adds ≈ 200 KB, because
 * esbuild keeps its whole schema file (every operation's shapes, ≈ 190 KB minified) whatever the one command sent.
 * The test fails once it fits, so this entry cannot outlive its reason.
 */
const OVER_GOAL: Readonly<Record<string, number>> = { HeartbeatRun: 750 * 1024 };

/**
 * Each SDK client a function may bundle, and the registry access that needs it: a function carries only the clients
 * its composition reaches, and its access says which it may use at all.
 */
const CLIENTS: ReadonlyArray<readonly [pkg: string, needs: (a: Access) => boolean]> = [
  ['@aws-sdk/client-dynamodb', (a) => Object.keys(a.tables ?? {}).length > 0],
  ['@aws-sdk/client-apigatewaymanagementapi', (a) => a.manageConnections === true],
  ['@aws-sdk/client-lambda', (a) => (a.invokes ?? []).length > 0],
  ['@aws-sdk/client-connect', (a) => (a.connect ?? []).length > 0],
  ['@aws-sdk/client-scheduler', (a) => (a.schedulesTargets ?? []).length > 0],
  ['@aws-sdk/client-kinesis', (a) => (a.writesStreams ?? []).length > 0],
];

// The CDK unit tests skip bundling (it would take minutes), so without this test an import alias or a dependency
// that esbuild cannot resolve would first fail at `cdk deploy`. Every registered function is bundled once, with the
// options the deployed functions use — in one esbuild run with one entry point per function, which is several times
// faster than one run each and fails the same way (a build error rejects, failing every test below).
describe('bundling every registered function', () => {
  const outDir = mkdtempSync(join(tmpdir(), 'agent-messenger-bundle-'));
  let metafile: Metafile;

  beforeAll(async () => {
    const { outfile: _single, entryPoints: _one, ...options } = esbuildOptions('', '');
    const result = await build({
      ...options,
      entryPoints: Object.fromEntries(HANDLERS.map((h) => [h.name, join(ROOT_DIR, h.entry)])),
      outdir: outDir,
      outExtension: { '.js': '.mjs' },
      metafile: true,
    });
    expect(result.errors).toEqual([]);
    metafile = result.metafile;
  }, 600_000);
  afterAll(() => rmSync(outDir, { recursive: true, force: true }));

  const outputOf = (name: string) => {
    const found = Object.entries(metafile.outputs).find(([file]) => file.endsWith(`/${name}.mjs`));
    if (!found) throw new Error(`no bundle for ${name}`);
    return { file: join(ROOT_DIR, found[0]), ...found[1] };
  };

  it.each(HANDLERS.map((h) => [h.name, h] as const))(
    '%s: its own code with the SDK inside, minified ESM, ≤ 700 KB',
    (name, def) => {
      // Act
      const output = outputOf(name);
      const code = readFileSync(output.file, 'utf8');
      const inputs = Object.keys(output.inputs);

      // Assess: the bundle starts at the function's entry and holds its code…
      expect(output.entryPoint && relative(ROOT_DIR, join(ROOT_DIR, output.entryPoint))).toBe(def.entry);
      expect(inputs).toContain(def.entry);
      // …imports nothing but Node's built-ins (the SDK is bundled, not the runtime's copy)…
      const external = output.imports.filter(
        (i) => i.external && !i.path.startsWith('node:') && !builtinModules.includes(i.path),
      );
      expect(external).toEqual([]);
      if (def.access.tables)
        expect(inputs.some((i) => i.includes('node_modules/@aws-sdk/client-dynamodb/'))).toBe(true);
      // …is an ES module exporting `handler` (no CommonJS `module.exports`), minified (readable code averages well
      // under 100 characters a line)…
      expect(code).toMatch(/export\s*\{[^}]*\bas handler\b[^}]*\}/);
      expect(code).not.toMatch(/\bmodule\.exports\s*=/);
      expect(code.length / code.split('\n').length).toBeGreaterThan(1000);
      // …and stays within the size goal (or, for the one known exception, over it but under its ceiling).
      const size = statSync(output.file).size;
      const ceiling = OVER_GOAL[name];
      if (ceiling === undefined) expect(size).toBeLessThanOrEqual(MAX_BUNDLE_BYTES);
      else expect(size).toSatisfy((n: number) => n > MAX_BUNDLE_BYTES && n <= ceiling);
    },
  );

  it.each(HANDLERS.map((h) => [h.name, h] as const))(
    '%s bundles only the SDK clients its registry access needs',
    (name, def) => {
      // Act
      const inputs = Object.keys(outputOf(name).inputs);
      const bundled = CLIENTS.filter(([pkg]) => inputs.some((i) => i.includes(`node_modules/${pkg}/`)));

      // Assess: e.g. a read-only route (no `manageConnections`) carries no @connections client at all.
      const unneeded = bundled.filter(([, needs]) => !needs(def.access)).map(([pkg]) => pkg);
      expect(unneeded).toEqual([]);
    },
  );

  it('keeps read-only status routes free of the @connections client and endpoint', () => {
    // Prepare: the routes that only read (issue 9: they must build no @connections client).
    const readOnly = ['HttpStatusMeGet', 'HttpStatusAgentsList', 'HttpApprovalList', 'WsStatusSubscribe'];

    for (const name of readOnly) {
      // Act
      const def = HANDLERS.find((h) => h.name === name);
      const inputs = Object.keys(outputOf(name).inputs);

      // Assess
      expect(def?.access.manageConnections, name).toBeFalsy();
      expect(
        inputs.filter((i) => i.includes('client-apigatewaymanagementapi')),
        name,
      ).toEqual([]);
    }
  });
});
