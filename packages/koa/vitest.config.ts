import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    // Real HTTP, and every login checks a scrypt hash: slow on a busy machine.
    testTimeout: 20_000,
    // Type-level tests (*.test-d.ts) run with the others, against tsconfig.test.json.
    typecheck: { enabled: true, tsconfig: './tsconfig.test.json' },
  },
})
