import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    // End-to-end tests start real servers; two cores run them best a few at a time.
    maxWorkers: 2,
    testTimeout: 20_000,
    hookTimeout: 20_000,
    projects: [
      {
        extends: true,
        test: { name: 'bot', include: ['test/**/*.test.ts'], exclude: ['test/deploy/**'] },
      },
      {
        // Installs, builds and a production start: CPU-heavy, so they run after every other test (a later
        // group), where they cannot slow the load and timing-sensitive tests into their timeouts.
        extends: true,
        test: { name: 'deploy', include: ['test/deploy/**/*.test.ts'], sequence: { groupOrder: 1 } },
      },
    ],
  },
});
