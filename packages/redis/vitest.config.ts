import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    // The cross-process tests start Node processes; the outage test stops and starts a Redis.
    testTimeout: 30_000,
    hookTimeout: 30_000,
  },
})
