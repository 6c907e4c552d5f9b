import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // End-to-end and integration tests start real servers (dynalite, sockets); CDK synth takes seconds.
    testTimeout: 60_000,
    // Setup starts runtimes or synthesizes both stacks: minutes on a loaded 2-core machine, never an assertion.
    hookTimeout: 120_000,
    // Two cores: keep worker count modest so servers started by tests are not starved.
    maxWorkers: 2,
    env: {
      // Handlers log through Powertools; tests assert on behaviour, not on log lines.
      POWERTOOLS_LOG_LEVEL: 'SILENT',
      // This machine runs Node 20; the Lambda runtime is Node 24. The SDK's notice about Node 20 is noise here.
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      AWS_REGION: 'us-east-1',
    },
  },
});
