/**
 * vitest globalSetup: builds the package once, so that the tests run the bin as it is published,
 * dist/cli.mjs. (Inside the workspace its dependencies resolve to their TypeScript sources, which
 * tsx loads: the tests start it as `node --import tsx dist/cli.mjs`.)
 */
import { execFileSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'

export default function setup(): void {
  const root = fileURLToPath(new URL('..', import.meta.url))
  const tsdown = fileURLToPath(new URL('../../../node_modules/.bin/tsdown', import.meta.url))
  execFileSync(tsdown, ['--log-level', 'error'], {
    cwd: root,
    stdio: ['ignore', 'ignore', 'inherit'],
  })
}
