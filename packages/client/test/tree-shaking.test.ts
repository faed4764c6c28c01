import { fileURLToPath } from 'node:url'
import { build } from 'esbuild'
import { expect, it } from 'vitest'

const index = fileURLToPath(new URL('../src/index.ts', import.meta.url))

async function bundle(names: string): Promise<string> {
  const result = await build({
    stdin: { contents: `export { ${names} } from ${JSON.stringify(index)}`, resolveDir: '.' },
    bundle: true,
    format: 'esm',
    platform: 'browser',
    write: false,
  })
  return result.outputFiles[0]?.text ?? ''
}

it('decodeToken is imported alone, without the client, its storage or its locks', async () => {
  const alone = await bundle('decodeToken')
  expect(alone).toContain('function decodeToken')
  for (const name of [
    'createClient',
    'BroadcastChannel',
    'memoryStorage',
    'locks',
    'RefreshError',
  ]) {
    expect(alone).not.toContain(name)
  }
  // The same bundler keeps them when asked for the client: the check above can fail.
  expect(await bundle('createClient')).toContain('BroadcastChannel')
})
