import { fileURLToPath } from 'node:url';

/**
 * esbuild settings shared by the CDK functions (lib/constructs/app-function.ts), the test that bundles every function
 * (test/infra/bundle.test.ts) and the coldstart benchmark, so that the benchmark measures the bundles that are
 * deployed. They follow AWS's guidance for Lambda cold starts: bundle the AWS SDK v3 with the function, minified, as
 * an ES module, tree-shaken to the clients and commands the function uses — rather than loading the runtime's copy.
 * Tree-shaking of our own code rests on two things outside these options, which CDK's esbuild honours as well:
 * `package.json` declares the modules of `functions/` free of import-time side effects (`sideEffects`), so a module
 * none of whose exports a function uses is left out whole (with, e.g., a CommonJS dependency it would run at init);
 * and module-level values with a cost at init (zod schemas) are built through `/*@__PURE__*\/ pure(…)`
 * (functions/domain/pure.ts), so esbuild drops those a function never uses.
 */
export const BUNDLE = {
  /** Fewer bytes to read and parse at init. */
  minify: true,
  /** The source map's settings when a deployment asks for source maps (`sourceMapOptions` below). */
  sourcesContent: false,
  /**
   * A CommonJS dependency's `require()` of a Node built-in (an ES module has no `require`) works through this, and
   * stays lazy: the built-in loads when that code first runs. aws4 (CommonJS; the SigV4 signer of
   * adapters/connection-gateway-http.ts) requires `url`, `querystring` and `crypto` when the function loads: without
   * the banner every function posting to @connections would fail at init with "Dynamic require of … is not
   * supported" (test/infra/bundle.test.ts checks that every bundle calling esbuild's require shim has the banner).
   * It costs the others a few ms of init (loading `module`; the empty-module floor of the coldstart bench includes it).
   */
  banner: "import { createRequire } from 'module';const require = createRequire(import.meta.url);",
  /** Match the Lambda runtime, so esbuild does not down-level syntax Node 24 understands. */
  target: 'node24',
  /**
   * Nothing external: the AWS SDK v3 is bundled (CDK would mark `@aws-sdk/*` external by default, loading the
   * runtime's full copy of each client from many files at init). Bundled, each function carries only the clients its
   * composition reaches (the composition's singletons are `@__PURE__`, see functions/composition/once.ts), tree-shaken
   * to the commands it sends, and its version is the one pinned in package-lock.json and tested, not whatever the
   * runtime ships.
   */
  externalModules: [] as string[],
  /** The ES module build of dual packages (the SDK's `dist-es`): what esbuild can tree-shake. */
  mainFields: ['module', 'main'],
  /**
   * Imports esbuild resolves to another module. `@aws-sdk/credential-provider-node` (the credential chain every SDK
   * client imports: environment, SSO, INI, process, token file, metadata services, with nested STS/SSO clients,
   * 115–130 KB in every bundle with a client) becomes lib/lambda-credentials.ts, the environment provider alone: in
   * Lambda the credentials are always in the environment, and the chain returns them from its first link (reasons
   * there).
   * Paths are relative to the repository root, esbuild's working directory in CDK's local bundling, in Docker
   * bundling (`workingDirectory` in lib/constructs/app-function.ts) and in `esbuildOptions` below (`absWorkingDir`).
   */
  alias: { '@aws-sdk/credential-provider-node': './lib/lambda-credentials.ts' },
} as const;

/**
 * Source maps are off unless a deployment asks for them (CDK context `sourceMaps=true`, lib/config.ts). With them on,
 * the bundle carries a map (without the sources) and `NODE_OPTIONS=--enable-source-maps` makes stack traces in the
 * logs point at TypeScript lines — but Node then reads and parses the map of every module when it loads, at every
 * cold start, whether or not an error is ever thrown (`npm run bench -- coldstart --source-maps` measures that
 * configuration). A map cannot be switched on later for a module that
 * is already loaded. Off, traces point into the minified bundle; redeploy with `-c sourceMaps=true` to read them.
 */
export function sourceMapOptions(on: boolean): { readonly sourceMap: boolean; readonly nodeOptions?: string } {
  return on ? { sourceMap: true, nodeOptions: '--enable-source-maps' } : { sourceMap: false };
}

/** The repository root: esbuild's working directory, against which the `alias` paths resolve. */
const REPO_ROOT = fileURLToPath(new URL('..', import.meta.url));

/**
 * The esbuild build options for one function, as CDK's NodejsFunction passes them (lib/constructs/app-function.ts
 * maps BUNDLE onto its `bundling` props). Used by the coldstart benchmark and by the test that bundles every
 * registered function in `npm test`, so an import that esbuild cannot resolve fails CI, not `cdk deploy`.
 */
export function esbuildOptions(entry: string, outfile: string, sourceMaps = sourceMapOptions(false)) {
  return {
    entryPoints: [entry],
    outfile,
    bundle: true,
    platform: 'node' as const,
    format: 'esm' as const,
    minify: BUNDLE.minify,
    sourcemap: sourceMaps.sourceMap,
    sourcesContent: BUNDLE.sourcesContent,
    target: BUNDLE.target,
    external: [...BUNDLE.externalModules],
    mainFields: [...BUNDLE.mainFields],
    banner: { js: BUNDLE.banner },
    alias: { ...BUNDLE.alias },
    absWorkingDir: REPO_ROOT,
    logLevel: 'silent' as const,
  };
}
