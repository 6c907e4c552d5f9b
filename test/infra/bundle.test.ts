import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { build, type Metafile } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { esbuildOptions } from '../../lib/bundling.ts';
import { ROOT_DIR } from '../../lib/local/runtime.ts';
import { HANDLERS } from '../../lib/registry/index.ts';

// The CDK unit tests skip bundling (it would take minutes), so without this test an import alias or a dependency
// that esbuild cannot resolve would first fail at `cdk deploy`. Every registered function is bundled with the options
// the deployed functions use — in one esbuild run with one entry point per function, which is several times faster
// than one run each and fails the same way.
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
  });
  afterAll(() => rmSync(outDir, { recursive: true, force: true }));

  it.each(HANDLERS.map((h) => [h.name, h.entry] as const))('%s has a bundle of its own code', (name, entry) => {
    // Act
    const output = Object.entries(metafile.outputs).find(([file]) => file.endsWith(`${name}.mjs`))?.[1];

    // Assess: the bundle starts at the function's entry, holds its code, and leaves the SDK external.
    expect(output).toBeDefined();
    expect(output?.entryPoint && relative(ROOT_DIR, join(ROOT_DIR, output.entryPoint))).toBe(entry);
    const inputs = Object.keys(output?.inputs ?? {});
    expect(inputs).toContain(entry);
    expect(inputs.some((i) => i.includes('@aws-sdk/'))).toBe(false);
  });
});
