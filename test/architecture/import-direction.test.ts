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
const ALLOWED: ReadonlyArray<readonly [string, string]> = [
  // The domain leans on shared helpers (the id/text schemas, bounded concurrency) and on the settings document's
  // type, which lives in shared/settings-schema.ts with domain code (applySettingsPatch) that belongs in domain/.
  ['domain/heartbeat-schemas.ts', 'shared/schemas.ts'],
  ['domain/message-schemas.ts', 'shared/schemas.ts'],
  ['domain/message-send.ts', 'shared/concurrency.ts'],
  ['domain/report-schemas.ts', 'shared/schemas.ts'],
  ['domain/settings.ts', 'shared/settings-schema.ts'],
  // Handlers that call a domain use case, or parse with a domain schema, themselves instead of taking the wired use
  // case from composition/ (most still get their ports from shared/*-runtime.ts).
  ['handlers/connect/contact-flow.ts', 'domain/heartbeats.ts'],
  ['handlers/http/alert-ack.ts', 'domain/alerts/lifecycle.ts'],
  ['handlers/http/alert-ack.ts', 'domain/alerts/model.ts'],
  ['handlers/http/alert-ack.ts', 'domain/alerts/schemas.ts'],
  ['handlers/http/alerts-mine.ts', 'domain/alerts/lifecycle.ts'],
  ['handlers/http/alerts-query.ts', 'domain/alerts/lifecycle.ts'],
  ['handlers/http/alerts-query.ts', 'domain/alerts/schemas.ts'],
  ['handlers/http/dashboard-agents.ts', 'domain/dashboard-schemas.ts'],
  ['handlers/http/dashboard-agents.ts', 'domain/dashboard.ts'],
  ['handlers/http/directory-agent-delete.ts', 'domain/directory-admin.ts'],
  ['handlers/http/directory-agent-delete.ts', 'domain/message-schemas.ts'],
  ['handlers/http/directory-agent-get.ts', 'domain/directory-admin.ts'],
  ['handlers/http/directory-agent-get.ts', 'domain/message-schemas.ts'],
  ['handlers/http/directory-agent-put.ts', 'domain/directory-admin.ts'],
  ['handlers/http/directory-agent-put.ts', 'domain/message-schemas.ts'],
  ['handlers/http/directory-agents-import.ts', 'domain/directory-admin.ts'],
  ['handlers/http/directory-agents-import.ts', 'domain/message-schemas.ts'],
  ['handlers/http/directory-agents-list.ts', 'domain/directory-admin.ts'],
  ['handlers/http/directory-agents-list.ts', 'domain/message-schemas.ts'],
  ['handlers/http/heartbeat-config-get.ts', 'domain/heartbeats.ts'],
  ['handlers/http/heartbeat-config-put.ts', 'domain/heartbeat-schemas.ts'],
  ['handlers/http/heartbeat-config-put.ts', 'domain/heartbeats.ts'],
  ['handlers/http/heartbeats-list.ts', 'domain/heartbeat-schemas.ts'],
  ['handlers/http/heartbeats-list.ts', 'domain/heartbeats.ts'],
  ['handlers/http/inbox-get.ts', 'domain/message-schemas.ts'],
  ['handlers/http/inbox-get.ts', 'domain/messages.ts'],
  ['handlers/http/inbox-get.ts', 'domain/principal.ts'],
  ['handlers/http/inbox-read.ts', 'domain/message-schemas.ts'],
  ['handlers/http/inbox-read.ts', 'domain/messages.ts'],
  ['handlers/http/inbox-read.ts', 'domain/principal.ts'],
  ['handlers/http/me.ts', 'domain/principal.ts'],
  ['handlers/http/messages-get.ts', 'domain/message-schemas.ts'],
  ['handlers/http/messages-get.ts', 'domain/messages.ts'],
  ['handlers/http/messages-list.ts', 'domain/message-schemas.ts'],
  ['handlers/http/messages-list.ts', 'domain/messages.ts'],
  ['handlers/http/messages-preview.ts', 'domain/message-schemas.ts'],
  ['handlers/http/messages-preview.ts', 'domain/messages.ts'],
  ['handlers/http/messages-send.ts', 'domain/message-schemas.ts'],
  ['handlers/http/messages-send.ts', 'domain/message-send.ts'],
  ['handlers/http/reports-create.ts', 'domain/report-schemas.ts'],
  ['handlers/http/reports-create.ts', 'domain/reports.ts'],
  ['handlers/http/reports-export.ts', 'domain/report-schemas.ts'],
  ['handlers/http/reports-export.ts', 'domain/reports.ts'],
  ['handlers/http/reports-list.ts', 'domain/report-schemas.ts'],
  ['handlers/http/reports-list.ts', 'domain/reports.ts'],
  ['handlers/http/telemetry-post.ts', 'domain/alerts/ingest.ts'],
  ['handlers/http/telemetry-post.ts', 'domain/alerts/schemas.ts'],
  ['handlers/schedule/heartbeat-run.ts', 'domain/heartbeat-schemas.ts'],
  ['handlers/schedule/heartbeat-run.ts', 'domain/heartbeats.ts'],
  ['handlers/schedule/inbox-receipts.ts', 'domain/messages.ts'],
  ['handlers/schedule/message-fanout.ts', 'domain/message-send.ts'],
  ['handlers/schedule/message-fanout-shard.ts', 'domain/message-send.ts'],
  ['handlers/schedule/message-sweep.ts', 'domain/message-recovery.ts'],
  ['handlers/ws/alert-ack.ts', 'domain/alerts/lifecycle.ts'],
  ['handlers/ws/alert-ack.ts', 'domain/alerts/model.ts'],
  ['handlers/ws/alert-ack.ts', 'domain/alerts/schemas.ts'],
  ['handlers/ws/authorizer.ts', 'domain/errors.ts'],
  ['handlers/ws/default.ts', 'domain/errors.ts'],
  ['handlers/ws/messages-mark-read.ts', 'domain/message-schemas.ts'],
  ['handlers/ws/messages-mark-read.ts', 'domain/messages.ts'],
  ['handlers/ws/messages-mark-read.ts', 'domain/principal.ts'],
  ['handlers/ws/messages-send.ts', 'domain/message-schemas.ts'],
  ['handlers/ws/messages-send.ts', 'domain/message-send.ts'],
  ['handlers/ws/messages-sync.ts', 'domain/messages.ts'],
  ['handlers/ws/messages-sync.ts', 'domain/principal.ts'],
  ['handlers/ws/report-issue.ts', 'domain/report-schemas.ts'],
  ['handlers/ws/report-issue.ts', 'domain/reports.ts'],
  ['handlers/ws/telemetry.ts', 'domain/alerts/ingest.ts'],
  ['handlers/ws/telemetry.ts', 'domain/alerts/schemas.ts'],
  // Stream handlers whose batch consumer (a primary adapter) sits in adapters/, and the authorizer's JWKS fetcher.
  ['handlers/stream/telemetry.ts', 'adapters/telemetry-consumer.ts'],
  ['handlers/ws/authorizer.ts', 'adapters/jwks-fetcher.ts'],
  // Composition hidden in shared/: runtime.ts, messaging-runtime.ts and status-runtime.ts build adapters and SDK
  // clients; their place is composition/.
  ['shared/messaging-runtime.ts', 'adapters/connection-gateway-http.ts'],
  ['shared/messaging-runtime.ts', 'adapters/connection-notifier.ts'],
  ['shared/messaging-runtime.ts', 'adapters/directory-repository.ts'],
  ['shared/messaging-runtime.ts', 'adapters/inbox-repository.ts'],
  ['shared/messaging-runtime.ts', 'adapters/message-dispatcher.ts'],
  ['shared/messaging-runtime.ts', 'adapters/message-repository.ts'],
  ['shared/messaging-runtime.ts', 'adapters/monitoring-notifier.ts'],
  ['shared/runtime.ts', 'adapters/connection-notifier.ts'],
  ['shared/runtime.ts', 'adapters/connection-repository.ts'],
  ['shared/runtime.ts', 'adapters/dynamo.ts'],
  ['shared/runtime.ts', 'adapters/monitoring-notifier.ts'],
  ['shared/runtime.ts', 'adapters/settings-repository.ts'],
  ['shared/runtime.ts', 'composition/once.ts'],
];

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
