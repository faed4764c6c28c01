import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    // Each profile starts the reference (Django migrates its database) and three Node apps.
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // The test files mostly wait on the servers they started: run them side by side even on a
    // two-core machine, where vitest would otherwise run one file at a time.
    maxWorkers: 3,
  },
})
