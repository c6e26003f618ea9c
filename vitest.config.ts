import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // maxWorkers stays vitest's default (one less than the cores): a second worker on two shared
    // cores made each e2e test about twice as slow, and the slowest ones ran into the timeout.
    // Concurrent tests (the seed worlds) are CPU-bound on git subprocesses: one per spare core
    maxConcurrency: Math.max(1, availableParallelism() - 1),
  },
});
