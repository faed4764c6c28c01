import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    // Every user the suite creates costs an scrypt hash.
    testTimeout: 30_000,
  },
})
