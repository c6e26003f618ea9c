import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // A worker runs file after file without a fresh process each: every e2e file used to pay
    // ~1 s loading @kubernetes/client-node, isomorphic-git and the sandbox again (import time summed
    // over the suite 126 s -> 16 s; suite 481 s -> 352 s wall, measured side by side). Safe here
    // because no test mocks a module or stubs a global, and the few that change process.env
    // (PATH shims, a proxy variable) restore it in afterEach/finally.
    isolate: false,
    // One worker per core, at least two: the e2e files spend most of their time waiting on git
    // subprocesses and the sandbox, so a second worker on a quiet two-core machine cut the six
    // slowest e2e files from 220 s to 155 s (measured side by side; the default, cores - 1, is one
    // worker there and made CI take 14 min).
    maxWorkers: Math.max(2, availableParallelism()),
    // Concurrent tests (the seed worlds) are CPU-bound on git subprocesses: one per spare core
    maxConcurrency: Math.max(1, availableParallelism() - 1),
  },
});
