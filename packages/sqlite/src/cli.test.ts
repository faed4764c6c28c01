import { execFile } from 'node:child_process'
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import type { OutstandingToken } from '@simplejwt/core'
import { afterAll, describe, expect, it } from 'vitest'
import { runCommand } from './command'
import { openSqliteStore } from './store'

const dir = mkdtempSync(join(tmpdir(), 'simplejwt-sqlite-cli-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

const NOW = new Date('2024-05-01T12:00:00.000Z')
const token = (jti: string, expiresInMs: number): OutstandingToken => ({
  jti,
  userId: 1,
  tokenDigest: 'a'.repeat(64),
  createdAt: null,
  expiresAt: new Date(NOW.getTime() + expiresInMs),
})

/** A database holding two expired tokens (one blacklisted) and one that is still valid. */
async function database(name: string): Promise<string> {
  const path = join(dir, name)
  const { tokens, close } = openSqliteStore(path)
  await tokens.addOutstanding(token('expired', -1000))
  await tokens.blacklist(token('expired-blacklisted', -1), NOW)
  await tokens.blacklist(token('valid', 60_000), NOW)
  close()
  return path
}

async function run(args: string[], now = NOW) {
  const out: string[] = []
  const err: string[] = []
  const code = await runCommand(args, { out: (l) => out.push(l), err: (l) => err.push(l) }, now)
  return { code, out: out.join('\n'), err: err.join('\n') }
}

describe('simplejwt-sqlite flush-expired', () => {
  it('deletes expired tokens with their blacklist entries and prints how many', async () => {
    const path = await database('flush.sqlite3')
    expect(await run(['flush-expired', path])).toEqual({ code: 0, out: '2', err: '' })
    const { tokens, close } = openSqliteStore(path)
    expect(tokens.outstanding('expired')).toBeUndefined()
    expect(await tokens.isBlacklisted('expired-blacklisted')).toBe(false)
    expect(await tokens.isBlacklisted('valid')).toBe(true)
    close()
    expect(await run(['flush-expired', path])).toEqual({ code: 0, out: '0', err: '' })
  })

  it('does not create a database that is not there', async () => {
    const path = join(dir, 'missing.sqlite3')
    const result = await run(['flush-expired', path])
    expect(result).toMatchObject({ code: 1, out: '' })
    expect(result.err).toContain('no such file')
    expect(existsSync(path)).toBe(false)
  })

  it('reports a file that is not a database', async () => {
    const path = join(dir, 'not-a-database.sqlite3')
    writeFileSync(
      path,
      'not a database, just text that is long enough to have a header '.repeat(10),
    )
    const result = await run(['flush-expired', path])
    expect(result).toMatchObject({ code: 1, out: '' })
    expect(result.err).toMatch(/^simplejwt-sqlite: /)
  })

  it('prints its usage on --help, and on wrong arguments with exit code 2', async () => {
    expect(await run(['--help'])).toMatchObject({ code: 0, err: '' })
    expect((await run(['--help'])).out).toContain('flush-expired <database-file>')
    for (const args of [
      [],
      ['flush-expired'],
      ['flush', 'x.sqlite3'],
      ['flush-expired', 'a', 'b'],
    ]) {
      const result = await run(args)
      expect(result).toMatchObject({ code: 2, out: '' })
      expect(result.err).toContain('Usage: simplejwt-sqlite flush-expired')
    }
  })

  it('runs as a command', async () => {
    const path = join(dir, 'command.sqlite3')
    const { tokens, close } = openSqliteStore(path)
    // Expired against the real clock, which the command uses.
    await tokens.addOutstanding({ ...token('old', 0), expiresAt: new Date(Date.now() - 60_000) })
    close()
    const cli = fileURLToPath(new URL('./cli.ts', import.meta.url))
    const { stdout } = await promisify(execFile)(process.execPath, [
      '--import',
      'tsx',
      cli,
      'flush-expired',
      path,
    ])
    expect(stdout).toBe('1\n')
  })
})
