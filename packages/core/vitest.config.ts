import { fileURLToPath } from 'node:url'
import { defineConfig } from 'vitest/config'

// `pnpm test:web-crypto` runs the suite on the `#hmac` that runtimes other than Node get.
const webCrypto = process.env['SIMPLEJWT_HMAC'] === 'web'

export default defineConfig({
  ...(webCrypto
    ? {
        resolve: {
          alias: {
            '#hmac': fileURLToPath(new URL('./src/lib/hmac-web.ts', import.meta.url)),
            '#kdf': fileURLToPath(new URL('./src/lib/kdf-web.ts', import.meta.url)),
          },
        },
      }
    : {}),
  test: {
    // The reference simplejwt (test/reference) takes a few seconds to migrate and start.
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
})
