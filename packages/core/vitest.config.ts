import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { defineConfig } from 'vitest/config'

// `pnpm test:web-crypto` runs the suite on the modules of package.json `imports` that runtimes
// other than Node get (each `#name`'s `default`: Web Crypto and jose instead of node:crypto).
const webCrypto = process.env['SIMPLEJWT_CRYPTO'] === 'web'
const imports = (
  JSON.parse(readFileSync(new URL('./package.json', import.meta.url), 'utf8')) as {
    imports: Record<string, { default: string }>
  }
).imports

export default defineConfig({
  ...(webCrypto
    ? {
        resolve: {
          alias: Object.fromEntries(
            Object.entries(imports).map(([name, { default: web }]) => [
              name,
              fileURLToPath(new URL(web, import.meta.url)),
            ]),
          ),
        },
      }
    : {}),
  test: {
    // The reference simplejwt (test/reference) takes a few seconds to migrate and start.
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
})
