import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { pathToFileURL } from 'node:url';
import { build, type Metafile } from 'esbuild';
import ts from 'typescript';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { esbuildOptions } from '../../lib/bundling.ts';
import { ROOT_DIR } from '../../lib/local/runtime.ts';
import { HANDLERS } from '../../lib/registry/index.ts';
import type { Access } from '../../lib/registry/types.ts';

/** The size goal of a bundle (issue 9: cold starts), in KB of 1,024 bytes. */
const MAX_BUNDLE_BYTES = 700 * 1024;
/**
 * The SDK's Node credential chain and what it loads (SSO, INI, process, token file, sign-in and metadata providers,
 * the nested STS/SSO clients): lib/bundling.ts aliases it to lib/lambda-credentials.ts, the environment provider, so
 * no bundle may carry any of it.
 */
const CREDENTIAL_CHAIN = [
  '@aws-sdk/credential-provider-node',
  '@aws-sdk/credential-provider-ini',
  '@aws-sdk/credential-provider-sso',
  '@aws-sdk/credential-provider-process',
  '@aws-sdk/credential-provider-web-identity',
  '@aws-sdk/credential-provider-login',
  '@aws-sdk/credential-provider-http',
  '@aws-sdk/token-providers',
  '@aws-sdk/nested-clients',
  '@smithy/credential-provider-imds',
];

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
      // …gives a CommonJS dependency's `require` of a built-in (esbuild's shim throws "Dynamic require of …"
      // without one) the `require` of lib/bundling.ts's banner…
      if (code.includes('Dynamic require of'))
        expect(code).toMatch(
          /^import \{ createRequire \} from 'module';const require = createRequire\(import\.meta\.url\);/,
        );
      expect(code.length / code.split('\n').length).toBeGreaterThan(1000);
      // …carries no source map for Node to read at init unless a deployment asks for one (lib/bundling.ts)…
      expect(code).not.toContain('sourceMappingURL');
      // …and stays within the size goal.
      expect(statSync(output.file).size).toBeLessThanOrEqual(MAX_BUNDLE_BYTES);
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

  it.each(HANDLERS.map((h) => [h.name] as const))(
    '%s takes its credentials from the environment provider, without the Node credential chain',
    (name) => {
      // Act
      const inputs = Object.keys(outputOf(name).inputs);

      // Assess: a bundle with any SDK client resolves credentials through lib/lambda-credentials.ts (the alias), and
      // none holds the chain's providers, whose code would show up as these packages' files.
      if (inputs.some((i) => i.includes('node_modules/@aws-sdk/client-')))
        expect(inputs).toContain('lib/lambda-credentials.ts');
      expect(inputs.filter((i) => CREDENTIAL_CHAIN.some((pkg) => i.includes(`node_modules/${pkg}/`)))).toEqual([]);
    },
  );

  /** The source files whose code is in a function's bundle (esbuild lists dropped modules too, with 0 bytes). */
  const codeIn = (name: string) =>
    Object.entries(outputOf(name).inputs)
      .filter(([, input]) => input.bytesInOutput > 0)
      .map(([file]) => file);

  it('builds no zod schema a function does not use: functions without one carry no zod at all', () => {
    // Act: `$default` and `/health` validate nothing with zod; every schema of the modules they import is built
    // through `/*@__PURE__*/ pure(…)` (functions/domain/pure.ts), which esbuild drops when unused.
    for (const name of ['WsDefault', 'HttpHealth']) {
      // Assess
      expect(
        codeIn(name).filter((i) => i.includes('node_modules/zod/')),
        name,
      ).toEqual([]);
    }
  });

  it("parses token claims with zod's mini API: /me and the authorizer carry no classic API", () => {
    for (const name of ['HttpMe', 'WsAuthorizer']) {
      // Act
      const zod = codeIn(name).filter((i) => i.includes('node_modules/zod/'));

      // Assess: they do validate with zod (its core and the mini API), but not with the classic one.
      expect(
        zod.some((i) => i.includes('/v4/mini/')),
        name,
      ).toBe(true);
      expect(
        zod.filter((i) => i.includes('/v4/classic/')),
        name,
      ).toEqual([]);
    }
  });

  it('builds neither the settings nor the alert schemas in functions that never read the settings', () => {
    // Act: these handlers reach modules that import domain/settings.ts (and through it the alert schemas), but never
    // parse settings.
    for (const name of ['ScheduleStatusConnectSync', 'HttpStatusReasonsList', 'MessageFanOut']) {
      const code = codeIn(name);

      // Assess
      expect(code, name).not.toContain('functions/domain/settings.ts');
      expect(code, name).not.toContain('functions/domain/alerts/schemas.ts');
    }
  });

  it('runs the @connections signer (aws4, CommonJS: it loads at init) only in functions that post to connections', () => {
    // Act: package.json declares functions/ free of import-time side effects, so a module whose exports a function
    // does not use (here adapters/connection-gateway-http.ts and its `import aws4`) is left out whole.
    const carrying = HANDLERS.filter((h) => codeIn(h.name).some((i) => i.includes('node_modules/aws4/')));

    // Assess
    expect(carrying.filter((h) => h.access.manageConnections !== true).map((h) => h.name)).toEqual([]);
    expect(carrying.length).toBeGreaterThan(0);
  });

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

// The alias swaps the credential provider of every SDK client in a bundle; this checks what a bundled client then
// signs with, in a fresh Node process whose environment is all it has (as in Lambda, where the runtime sets the role's
// credentials in AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and AWS_SESSION_TOKEN before init).
describe('credentials of a bundled SDK client', () => {
  const outDir = mkdtempSync(join(tmpdir(), 'agent-messenger-credentials-'));
  const probe = join(outDir, 'probe.mjs');
  // A home with a shared credentials file: the Node chain would fall back to it, the bundles must not.
  const home = join(outDir, 'home');

  beforeAll(async () => {
    const { outfile: _single, entryPoints: _one, ...options } = esbuildOptions('', '');
    await build({
      ...options,
      // The smallest function-like entry: one client, built the way the composition builds them, asked for the
      // credentials it would sign its next request with.
      stdin: {
        contents: [
          "import { DynamoDBClient } from '@aws-sdk/client-dynamodb';",
          'const client = new DynamoDBClient({});',
          'export const credentials = () => client.config.credentials();',
        ].join('\n'),
        resolveDir: ROOT_DIR,
        sourcefile: 'credentials-probe.ts',
        loader: 'ts',
      },
      outfile: probe,
    });
    mkdirSync(join(home, '.aws'), { recursive: true });
    writeFileSync(
      join(home, '.aws', 'credentials'),
      '[default]\naws_access_key_id = AKIAFROMFILE\naws_secret_access_key = secret-from-file\n',
    );
  }, 120_000);
  afterAll(() => rmSync(outDir, { recursive: true, force: true }));

  /** Imports the probe bundle in a fresh Node process with exactly `env` (plus HOME and a region) and resolves. */
  const credentialsIn = (env: Record<string, string>) =>
    spawnSync(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        `const { credentials } = await import(${JSON.stringify(pathToFileURL(probe).href)});
         try { console.log(JSON.stringify({ ok: await credentials() })); }
         catch (e) { console.log(JSON.stringify({ error: e.name, message: e.message })); }`,
      ],
      { env: { HOME: home, AWS_REGION: 'eu-west-1', ...env }, encoding: 'utf8', timeout: 60_000 },
    );

  it('signs with the credentials Lambda puts in the environment', () => {
    // Act
    const run = credentialsIn({
      AWS_ACCESS_KEY_ID: 'ASIAFROMENV',
      AWS_SECRET_ACCESS_KEY: 'secret-from-env',
      AWS_SESSION_TOKEN: 'session-from-env',
    });

    // Assess
    expect(run.status, run.stderr).toBe(0);
    expect(JSON.parse(run.stdout).ok).toMatchObject({
      accessKeyId: 'ASIAFROMENV',
      secretAccessKey: 'secret-from-env',
      sessionToken: 'session-from-env',
    });
  });

  it('looks nowhere else: without them it fails, ignoring a shared credentials file', () => {
    // Act: the Node chain would return the file's [default] profile here.
    const run = credentialsIn({});

    // Assess
    expect(run.status, run.stderr).toBe(0);
    expect(JSON.parse(run.stdout)).toEqual({
      error: 'CredentialsProviderError',
      message: 'Unable to find environment variable credentials.',
    });
  });
});

// package.json declares the modules of functions/ free of import-time side effects (`sideEffects`), so esbuild leaves
// out a module none of whose exports a function uses. That holds only while no module does anything at load but
// declare: a top-level call, assignment, loop or `if` would be dropped with its module.
describe('modules of functions/ declare, and do nothing else at load', () => {
  const DECLARATIONS = new Set([
    ts.SyntaxKind.ImportDeclaration,
    ts.SyntaxKind.ImportEqualsDeclaration,
    ts.SyntaxKind.ExportDeclaration,
    ts.SyntaxKind.ExportAssignment,
    ts.SyntaxKind.VariableStatement,
    ts.SyntaxKind.FunctionDeclaration,
    ts.SyntaxKind.ClassDeclaration,
    ts.SyntaxKind.InterfaceDeclaration,
    ts.SyntaxKind.TypeAliasDeclaration,
    ts.SyntaxKind.EnumDeclaration,
    ts.SyntaxKind.ModuleDeclaration,
  ]);
  const sources = (readdirSync(join(ROOT_DIR, 'functions'), { recursive: true }) as string[])
    .filter((f) => f.endsWith('.ts'))
    .map((f) => join('functions', f));

  it('has only declarations at the top level of every module', () => {
    // Act
    const statements = sources.flatMap((file) => {
      const source = ts.createSourceFile(file, readFileSync(join(ROOT_DIR, file), 'utf8'), ts.ScriptTarget.Latest);
      return source.statements
        .filter((st) => !DECLARATIONS.has(st.kind))
        .map((st) => `${file}: ${st.getText(source).slice(0, 80)}`);
    });

    // Assess
    expect(sources.length).toBeGreaterThan(100);
    expect(statements).toEqual([]);
  });

  it('is what package.json declares: functions/ is not listed as having side effects, the rest of the repo is', () => {
    // Act
    const { sideEffects } = JSON.parse(readFileSync(join(ROOT_DIR, 'package.json'), 'utf8')) as {
      sideEffects: string[];
    };

    // Assess
    expect(sideEffects).toEqual(expect.arrayContaining(['./lib/**']));
    expect(sideEffects.some((glob) => glob.startsWith('./functions'))).toBe(false);
  });
});
