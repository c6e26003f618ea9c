import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // vitest's default is one worker less than the cores (one worker on two cores); the e2e files
    // spend most of their time waiting on git subprocesses and the sandbox, so one per core
    // (at least two) keeps the cores busy
    maxWorkers: Math.max(2, availableParallelism()),
    // concurrent tests (the seed worlds) are CPU-bound on git subprocesses: one per spare core
    maxConcurrency: Math.max(1, availableParallelism() - 1),
  },
});
