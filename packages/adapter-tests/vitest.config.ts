import { defineConfig } from 'vitest/config'

export default defineConfig({
  // Real HTTP, and every login checks a scrypt hash: slow on a busy machine.
  test: { testTimeout: 20_000 },
})
