import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    // Demo apps started as processes, driven by a real browser.
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
})
