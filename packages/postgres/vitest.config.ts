import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    // Every user costs an scrypt hash, and the cross-process tests start Node processes.
    testTimeout: 30_000,
    hookTimeout: 30_000,
  },
})
