import { defineConfig } from 'vitest/config';

// `npm run test:faults`: the reliability harness (load, crashes, outages, hostile input, secrets).
export default defineConfig({
  test: {
    include: ['test/faults/**/*.test.ts'],
    globalSetup: ['test/helpers/global-setup.ts'],
    pool: 'forks',
    maxWorkers: 2,
    testTimeout: 240_000,
    hookTimeout: 120_000,
  },
});
