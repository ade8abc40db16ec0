import { configDefaults, defineConfig } from "vitest/config";

// The suite always runs on embedded PGlite; with TEST_DATABASE_URL (and
// TEST_REDIS_URL) set it runs a second time on PostgreSQL + Redis.
const modes = ["pglite", ...(process.env.TEST_DATABASE_URL ? ["postgres"] : [])];

export default defineConfig({
  test: {
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
