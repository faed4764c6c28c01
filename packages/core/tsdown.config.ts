import { defineConfig } from 'tsdown'

export default defineConfig({
  // Each `#name` of package.json `imports` stays an import, resolved per runtime (`node`: the
  // `lib/*-node.ts` module on node:crypto; `default`: the `lib/*-web.ts` one on Web Crypto), so
  // each of those modules is an entry of its own.
  entry: ['src/index.ts', 'src/adapter.ts', 'src/lib/*-node.ts', 'src/lib/*-web.ts'],
  deps: { neverBundle: [/^#/, /^node:/] },
  format: 'esm',
  dts: true,
  platform: 'neutral',
  fixedExtension: true,
})
