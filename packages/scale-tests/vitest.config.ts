import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    // Each file starts demo apps as processes (tsx compiles them, the seed users are hashed) and
    // loads them: one file at a time, so that no file's load slows another's timings.
    fileParallelism: false,
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
})
