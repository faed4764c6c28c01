import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    // Each profile starts the reference (Django migrates its database) and three Node apps.
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
})
