import { defineConfig } from "vitest/config";

// `npm run test:cluster`: the production-topology proofs (issue 7). Each file
// starts real PostgreSQL clusters, Plinth nodes and nginx on loopback, so files
// run one after another with generous timeouts.
export default defineConfig({
  test: {
    name: "cluster",
    include: ["test/cluster/**/*.test.ts"],
    testTimeout: 300_000,
    hookTimeout: 300_000,
    pool: "forks",
    fileParallelism: false,
  },
});
