import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    // Seeding hashes three passwords with scrypt.
    testTimeout: 30_000,
  },
})
