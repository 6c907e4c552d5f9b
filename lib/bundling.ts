/**
 * esbuild settings shared by the CDK functions (lib/constructs/app-function.ts) and the coldstart benchmark, so that
 * the benchmark measures the bundles that are deployed.
 */
export const BUNDLE = {
  /** Smaller bundles load faster on cold start; names survive through source maps. */
  minify: true,
  /** Stack traces map back to the TypeScript sources (with NODE_OPTIONS=--enable-source-maps). */
  sourceMap: true,
  /** Some CommonJS dependencies call require() at runtime, which does not exist in an ES module: recreate it. */
  banner: "import { createRequire } from 'module';const require = createRequire(import.meta.url);",
  /** Match the Lambda runtime, so esbuild does not down-level syntax Node 24 understands. */
  target: 'node24',
  /** The nodejs24.x runtime ships the AWS SDK v3: not bundling it keeps bundles small and cold starts short. */
  externalModules: ['@aws-sdk/*'],
  /** Prefer the ESM entry of dual packages (better tree shaking), fall back to CommonJS. */
  mainFields: ['module', 'main'],
} as const;

/**
 * The esbuild build options for one function, as CDK's NodejsFunction passes them (lib/constructs/app-function.ts
 * maps BUNDLE onto its `bundling` props). Used by the coldstart benchmark and by the test that bundles every
 * registered function in `npm test`, so an import that esbuild cannot resolve fails CI, not `cdk deploy`.
 */
export function esbuildOptions(entry: string, outfile: string) {
  return {
    entryPoints: [entry],
    outfile,
    bundle: true,
    platform: 'node' as const,
    format: 'esm' as const,
    minify: BUNDLE.minify,
    sourcemap: BUNDLE.sourceMap,
    target: BUNDLE.target,
    external: [...BUNDLE.externalModules],
    mainFields: [...BUNDLE.mainFields],
    banner: { js: BUNDLE.banner },
    logLevel: 'silent' as const,
  };
}
