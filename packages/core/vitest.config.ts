import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    // The reference simplejwt (test/reference) takes a few seconds to migrate and start.
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
})
