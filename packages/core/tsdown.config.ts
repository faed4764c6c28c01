import { defineConfig } from 'tsdown'

export default defineConfig({
  // `#hmac` stays an import, resolved per runtime by package.json `imports` (node:crypto on Node,
  // Web Crypto elsewhere), so both of its modules are entries of their own.
  entry: [
    'src/index.ts',
    'src/adapter.ts',
    'src/lib/hmac-node.ts',
    'src/lib/hmac-web.ts',
    'src/lib/kdf-node.ts',
    'src/lib/kdf-web.ts',
  ],
  deps: { neverBundle: ['#hmac', '#kdf', /^node:/] },
  format: 'esm',
  dts: true,
  platform: 'neutral',
  fixedExtension: true,
})
