import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["packages/*/src/**/*.test.ts", "packages/*/test/**/*.test.ts"],
    globalSetup: ["packages/testkit/src/global-setup.ts"],
    // Real services on a 2-core machine: generous timeouts, bounded parallelism.
    testTimeout: 120_000,
    hookTimeout: 300_000,
    teardownTimeout: 60_000,
    pool: "forks",
    maxWorkers: 2,
    reporters: ["default", "./packages/testkit/src/summary-reporter.ts"],
  },
});
