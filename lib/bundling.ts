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
