import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // End-to-end and integration tests start real servers (dynalite, sockets); CDK synth takes seconds.
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Two cores: keep worker count modest so servers started by tests are not starved.
    maxWorkers: 2,
  },
});
