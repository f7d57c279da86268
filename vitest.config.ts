import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // The fault harness has its own config (vitest.faults.config.ts); CI runs it once, after this suite.
    exclude: ['test/faults/**', '**/node_modules/**'],
    globalSetup: ['test/helpers/global-setup.ts'],
    pool: 'forks',
    // Files share a worker's module cache (each still opens its own databases): the suite takes
    // 2.5 minutes instead of 4.5, most of the difference being module loading and JIT warm-up.
    isolate: false,
    maxWorkers: 2,
    testTimeout: 90_000,
    hookTimeout: 60_000,
  },
});
