import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    // The test starts the app as a process: tsx compiles it, the seed users are hashed.
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
})
