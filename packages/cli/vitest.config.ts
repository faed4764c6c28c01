import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    // The tests run the built bin: it is built once, before them.
    globalSetup: ['./src/build.fixture.ts'],
    // Each case starts Node processes; some start the reference simplejwt or reach a database.
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
})
