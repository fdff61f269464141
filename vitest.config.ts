import { defineConfig } from 'vitest/config';

// Unit tests live beside the code; integration and end-to-end tests (real brokers, database,
// Kubernetes API server) live in each workspace's test/ folder and in the root test/.
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['packages/*/src/**/*.test.ts', 'apps/*/src/**/*.test.ts', 'operator/src/**/*.test.ts'],
          environment: 'node',
          // Unit tests first: they fail fast, before the slower tests against real services.
          sequence: { groupOrder: 0 },
        },
      },
      {
        test: {
          name: 'integration',
          include: ['test/**/*.test.ts', 'apps/*/test/**/*.test.ts', 'operator/test/**/*.test.ts'],
          exclude: ['test/kind/**', '**/node_modules/**'],
          environment: 'node',
          testTimeout: 120_000,
          hookTimeout: 180_000,
          pool: 'forks',
          maxWorkers: 2,
          sequence: { groupOrder: 1 },
        },
      },
      {
        test: {
          // The platform on the local kind cluster (hack/kind/kind up; docs/kind.md): one file at a
          // time, as they share one cluster (a Pod deleted, a Deployment reloaded).
          name: 'kind',
          include: ['test/kind/**/*.test.ts'],
          environment: 'node',
          testTimeout: 600_000,
          hookTimeout: 600_000,
          pool: 'forks',
          maxWorkers: 1,
          fileParallelism: false,
          sequence: { groupOrder: 2 },
        },
      },
    ],
  },
});
