import { availableParallelism } from "node:os";
import { configDefaults, defineConfig } from "vitest/config";

// The suite always runs on embedded PGlite; with TEST_DATABASE_URL (and
// TEST_REDIS_URL) set it runs a second time on PostgreSQL + Redis.
const modes = ["pglite", ...(process.env.TEST_DATABASE_URL ? ["postgres"] : [])];

export default defineConfig({
  test: {
    // Most files wait on servers, child processes and sockets more than they compute: one
    // more file in flight than cores keeps a small CI machine busy (vitest's default is one
    // fewer, i.e. a single file at a time on 2 cores).
    maxWorkers: availableParallelism() + 1,
    projects: modes.map((mode) => ({
      test: {
        name: mode,
        include: ["src/**/*.test.ts", "test/**/*.test.ts"],
        // The cluster suite starts its own servers: `npm run test:cluster`.
        exclude: [...configDefaults.exclude, "test/cluster/**"],
        env: { PLINTH_TEST_DB: mode },
        globalSetup: ["test/global-setup.ts"],
        testTimeout: 60_000,
        hookTimeout: 60_000,
        pool: "forks",
      },
    })),
  },
});
