import { readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT_DIR } from '../../lib/local/runtime.ts';
import { readImportGraph } from '../support/import-graph.ts';
import { type Layer, layerOf, layerViolations } from '../support/layers.ts';

/**
 * The import direction of functions/ (the rule is written out in test/support/layers.ts and in the README):
 * handlers → composition → domain ← adapters, shared usable by all but the domain, handlers taking domain types only.
 *
 * ALLOWED lists the violations that existed when the rule was introduced, as (importing file, imported file) pairs
 * relative to functions/. It may only shrink: a new violation fails the first test, and an entry that is no longer a
 * violation (the import was removed or the file moved) fails the second until it is deleted from the list.
 */
const ALLOWED: ReadonlyArray<readonly [string, string]> = [];

const aliases = (
  JSON.parse(readFileSync(join(ROOT_DIR, 'package.json'), 'utf8')) as { imports: Record<string, string> }
).imports;
const key = (from: string, to: string) => `${from} -> ${to}`;
const strip = (path: string) => path.replace(/^functions\//, '');

describe('import direction of functions/', () => {
  const edges = readImportGraph(ROOT_DIR, 'functions', aliases);
  const violations = layerViolations(edges);
  const allowed = new Set(ALLOWED.map(([from, to]) => key(from, to)));

  it('has no violation outside the allowlist', () => {
    const fresh = violations
      .filter((v) => !allowed.has(key(strip(v.from), strip(v.to))))
      .map((v) => `${key(v.from, v.to)}: ${v.rule}`);
    expect(fresh, 'new imports against the direction: move the code or the import, do not extend ALLOWED').toEqual([]);
  });

  it('allowlists only violations that still exist (the list only shrinks)', () => {
    const current = new Set(violations.map((v) => key(strip(v.from), strip(v.to))));
    expect(
      [...allowed].filter((pair) => !current.has(pair)),
      'fixed: delete these entries from ALLOWED',
    ).toEqual([]);
    expect(allowed.size).toBe(ALLOWED.length);
  });

  it('reads the imports of every layer', () => {
    // A parser that found nothing would pass the tests above vacuously.
    const importing = new Set<Layer | 'outside'>(edges.map((e) => layerOf(e.from)));
    for (const layer of ['handlers', 'composition', 'domain', 'adapters', 'shared'] as const) {
      expect(importing).toContain(layer);
    }
    expect(edges.some((e) => e.typeOnly) && edges.some((e) => !e.typeOnly)).toBe(true);
  });
});

describe('the layer rule', () => {
  it('finds each kind of violation in a small tree, and accepts what the rule allows', async () => {
    // Prepare
    const root = await mkdtemp(join(tmpdir(), 'layers-'));
    const files: Record<string, string> = {
      'functions/domain/rules.ts': [
        "import { z } from 'zod';",
        "import { randomUUID } from 'node:crypto';",
        "import type { Context } from 'aws-lambda';",
        "import { DynamoDBClient } from '@aws-sdk/client-dynamodb';",
        "import { helper } from '#shared/helper.ts';",
        "import { other } from './other.ts';",
      ].join('\n'),
      'functions/domain/other.ts': 'export const other = 1;',
      'functions/shared/helper.ts':
        "import { AppError } from '#domain/other.ts';\nimport { repo } from '#adapters/repo.ts';",
      'functions/adapters/repo.ts': "import { h } from '../handlers/entry.ts';\nexport const repo = 1;",
      'functions/composition/wire.ts':
        "import { repo } from '#adapters/repo.ts';\nimport type { X } from '#domain/other.ts';",
      'functions/handlers/entry.ts': [
        "import type { Rules } from '#domain/rules.ts';",
        "import { type A, type B } from '#domain/other.ts';",
        "import { wire } from '#composition/wire.ts';",
        "import { repo } from '#adapters/repo.ts';",
        "import { stack } from '../../lib/stack.ts';",
        "export const later = () => import('#domain/rules.ts');",
      ].join('\n'),
    };
    for (const [path, text] of Object.entries(files)) {
      await mkdir(dirname(join(root, path)), { recursive: true });
      await writeFile(join(root, path), text);
    }
    const treeAliases = {
      '#shared/*': './functions/shared/*',
      '#domain/*': './functions/domain/*',
      '#adapters/*': './functions/adapters/*',
      '#composition/*': './functions/composition/*',
    };

    // Act
    const found = layerViolations(readImportGraph(root, 'functions', treeAliases)).map((v) => key(v.from, v.to));
    await rm(root, { recursive: true, force: true });

    // Assess
    expect(found).toEqual([
      'functions/adapters/repo.ts -> functions/handlers/entry.ts',
      'functions/domain/rules.ts -> @aws-sdk/client-dynamodb',
      'functions/domain/rules.ts -> aws-lambda',
      'functions/domain/rules.ts -> functions/shared/helper.ts',
      'functions/handlers/entry.ts -> functions/adapters/repo.ts',
      'functions/handlers/entry.ts -> functions/domain/rules.ts',
      'functions/handlers/entry.ts -> lib/stack.ts',
      'functions/shared/helper.ts -> functions/adapters/repo.ts',
    ]);
  });
});
