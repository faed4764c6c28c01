import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    // Real HTTP against demo apps and the reference, logins checking password hashes, a browser.
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // The integration files mostly wait on the servers they started.
    maxWorkers: 3,
  },
})
