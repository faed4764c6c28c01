#!/usr/bin/env node
// Checks the package in the current directory as npm users would get it: packs it with pnpm
// (which swaps in `publishConfig.exports`), checks the packed package.json points at dist/, then
// runs publint --strict and attw (ESM-only profile) on the tarball.
//
//   cd packages/<name> && node ../../.ci/check-package.mjs

import { spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { isDeepStrictEqual } from 'node:util'
import { gunzipSync } from 'node:zlib'

const root = dirname(dirname(fileURLToPath(import.meta.url)))
const bin = (name) => join(root, 'node_modules', '.bin', name)

const manifest = JSON.parse(readFileSync('package.json', 'utf8'))
const name = manifest.name ?? process.cwd()
if (manifest.private) {
  console.log(`${name}: private, not published, nothing to check`)
  process.exit(0)
}

const problems = []
const work = mkdtempSync(join(tmpdir(), 'check-package-'))
try {
  run('pnpm', ['pack', '--pack-destination', work])
  const tarballs = readdirSync(work).filter((file) => file.endsWith('.tgz'))
  if (tarballs.length !== 1) {
    throw new Error(`expected one tarball from pnpm pack, found: ${tarballs.join(', ') || 'none'}`)
  }
  const tarball = join(work, tarballs[0])

  const files = readTarball(tarball)
  const packed = JSON.parse(files.get('package.json') ?? 'null')
  if (!packed) throw new Error('the tarball has no package.json')
  checkExports(packed, files)

  for (const [tool, args] of [
    ['publint', ['--strict', tarball]],
    ['attw', ['--profile', 'esm-only', tarball]],
  ]) {
    if (!existsSync(bin(tool))) throw new Error(`${bin(tool)} is missing: run pnpm install`)
    if (run(bin(tool), args, { check: false }) !== 0) problems.push(`${tool} found problems`)
  }
} catch (error) {
  problems.push(error instanceof Error ? error.message : String(error))
} finally {
  rmSync(work, { recursive: true, force: true })
}

if (problems.length > 0) {
  console.error(`\n${name}: package check failed:\n${problems.map((p) => `  - ${p}`).join('\n')}`)
  process.exit(1)
}
console.log(`\n${name}: package check passed`)

function run(command, args, { check = true } = {}) {
  console.log(`$ ${[command, ...args].join(' ')}`)
  const result = spawnSync(command, args, { stdio: 'inherit' })
  if (result.error) throw new Error(`${command}: ${result.error.message}`)
  const status = result.status ?? 1
  if (check && status !== 0) throw new Error(`${command} ${args.join(' ')} exited with ${status}`)
  return status
}

// The published package.json must be the one with publishConfig applied: exports into dist/, never
// into src/ (which the workspace uses so that tests need no build), and every target packed.
function checkExports(packed, files) {
  const expected = manifest.publishConfig?.exports
  if (expected !== undefined && !isDeepStrictEqual(packed.exports, expected)) {
    problems.push(
      `packed exports differ from publishConfig.exports: ${JSON.stringify(packed.exports)}`,
    )
  }
  // attw exits 0 on a package without types ("This package does not contain types").
  if (!packed.types && !JSON.stringify(packed.exports ?? {}).includes('"types"')) {
    problems.push('the packed package.json names no type declarations')
  }
  for (const target of exportTargets(packed.exports)) {
    const path = target.replace(/^\.\//, '')
    if (path.startsWith('src/')) problems.push(`packed exports point into src/: ${target}`)
    if (!path.includes('*') && !files.has(path)) problems.push(`${target} is not in the tarball`)
  }
}

function exportTargets(exports) {
  if (typeof exports === 'string') return [exports]
  if (exports === null || typeof exports !== 'object') return []
  return Object.values(exports).flatMap(exportTargets)
}

// A minimal ustar reader: file path (without the leading `package/`) -> contents.
function readTarball(path) {
  const data = gunzipSync(readFileSync(path))
  const files = new Map()
  const field = (offset, length) =>
    data.toString('utf8', offset, offset + length).replace(/\0[\s\S]*$/, '')
  let longName
  for (let offset = 0; offset + 512 <= data.length; ) {
    if (data[offset] === 0) break // end-of-archive block
    const size = Number.parseInt(field(offset + 124, 12).trim() || '0', 8)
    const type = field(offset + 156, 1)
    const prefix = field(offset + 345, 155)
    const header = field(offset, 100)
    const body = data.subarray(offset + 512, offset + 512 + size)
    offset += 512 + Math.ceil(size / 512) * 512
    if (type === 'L') {
      longName = body.toString('utf8').replace(/\0[\s\S]*$/, '')
      continue
    }
    if (type === 'x') {
      const pathRecord = /\d+ path=([^\n]*)\n/.exec(body.toString('utf8'))
      if (pathRecord) longName = pathRecord[1]
      continue
    }
    const fullName = longName ?? (prefix ? `${prefix}/${header}` : header)
    longName = undefined
    if (type === '0' || type === '') {
      files.set(fullName.replace(/^[^/]+\//, ''), body.toString('utf8'))
    }
  }
  return files
}
