import { availableParallelism } from 'node:os';
import { configDefaults, defineConfig } from 'vitest/config';

/**
 * Most test files wait on sockets, timers and child processes, not on the CPU: run several at
 * once. Vitest's default (cores - 1) meant one file at a time on a 2-core machine, the CPU mostly
 * idle. Two forks per core, at least 4; `vitest run --maxWorkers N` overrides it.
 */
const FORKS = Math.max(4, Math.min(8, 2 * availableParallelism()));

/**
 * Files whose assertion is a wall-clock bound on this process's own responsiveness (event-loop
 * delay while another thread burns CPU, heartbeat pongs during a lock): they run after the
 * parallel group, one at a time, so the other test files are not what they measure. A rate or
 * throughput check does not belong here: measure it in CPU time or relative to a baseline.
 */
const QUIET = [
  'test/integration/pipeline/enrichment-pool.test.ts',
  'test/integration/sinks/gateway-sqlite-locked.test.ts',
  'test/integration/sinks/sqlite-locked.test.ts',
];

export default defineConfig({
  test: {
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // Integration tests open real sockets and databases; forks isolate native addons and globals.
    pool: 'forks',
    maxWorkers: FORKS,
    minWorkers: 1,
    reporters: ['default'],
    projects: [
      {
        extends: true,
        test: { name: 'parallel', include: ['test/**/*.test.ts'], exclude: [...configDefaults.exclude, ...QUIET] },
      },
      {
        extends: true,
        test: {
          name: 'quiet', include: QUIET,
          // Group 1 starts when group 0 (parallel) is done; one fork runs its files in turn.
          sequence: { groupOrder: 1 },
          poolOptions: { forks: { singleFork: true } },
        },
      },
    ],
  },
});
