import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts', 'flows/test/**/*.test.{js,ts}'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Integration tests start real servers (gateway, influxd, socat, chromium) on
    // free loopback ports; two cores, so keep parallelism modest.
    maxWorkers: 2,
    pool: 'forks',
  },
});
