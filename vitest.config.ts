import { defineConfig } from 'vitest/config';

/** Tests that start several bot processes at once: they run after the rest, one file at a time. */
const SEVERAL_PROCESSES = ['test/main/several-instances.e2e.test.ts', 'test/main/gateway-lease.e2e.test.ts'];

export default defineConfig({
  test: {
    testTimeout: 20_000,
    hookTimeout: 20_000,
    projects: [
      {
        extends: true,
        test: {
          name: 'bot',
          include: ['test/**/*.test.ts'],
          exclude: [...SEVERAL_PROCESSES, 'test/deploy/**'],
          // End-to-end tests start real servers; two cores run them best a few at a time.
          maxWorkers: 2,
          sequence: { groupOrder: 0 },
        },
      },
      {
        extends: true,
        test: {
          name: 'several-instances',
          include: SEVERAL_PROCESSES,
          // Three bot processes and the fakes already fill two cores: nothing else runs beside them.
          fileParallelism: false,
          maxWorkers: 1,
          sequence: { groupOrder: 1 },
        },
      },
      {
        // Installs, builds and a production start: CPU-heavy, so they run after every other test (a later
        // group), where they cannot slow the load and timing-sensitive tests into their timeouts.
        extends: true,
        test: {
          name: 'deploy',
          include: ['test/deploy/**/*.test.ts'],
          maxWorkers: 1,
          sequence: { groupOrder: 2 },
        },
      },
    ],
  },
});
