import { execFile } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import type { OutstandingToken } from '@simplejwt/core'
import { requireService } from '@simplejwt/store-tests'
import { afterAll, describe, expect, it } from 'vitest'
import { runCommand } from './command'
import { DATABASE_URL, dropRunSchemas, newSchema, probe } from './database.fixture'
import { openPostgresStore } from './store'

const available = await requireService(`PostgreSQL at ${DATABASE_URL}`, probe)
afterAll(async () => {
  if (available) await dropRunSchemas()
})

const NOW = new Date('2024-05-01T12:00:00.000Z')
const token = (jti: string, expiresInMs: number): OutstandingToken => ({
  jti,
  userId: 1,
  tokenDigest: 'a'.repeat(64),
  createdAt: null,
  expiresAt: new Date(NOW.getTime() + expiresInMs),
})

/** A schema holding two expired tokens (one blacklisted), one valid, and an expired revocation. */
async function database(): Promise<string> {
  const schema = newSchema()
  const { tokens, close } = await openPostgresStore({ connectionString: DATABASE_URL, schema })
  await tokens.addOutstanding(token('expired', -1000))
  await tokens.blacklist(token('expired-blacklisted', -1), NOW)
  await tokens.blacklist(token('valid', 60_000), NOW)
  await tokens.revokeFamily('old-family', NOW, new Date(NOW.getTime() - 1))
  await close()
  return schema
}

async function run(args: string[], now = NOW) {
  const out: string[] = []
  const err: string[] = []
  const code = await runCommand(args, { out: (l) => out.push(l), err: (l) => err.push(l) }, now)
  return { code, out: out.join('\n'), err: err.join('\n') }
}

describe.runIf(available)('simplejwt-postgres flush-expired', () => {
  it('deletes expired tokens with their blacklist entries and prints how many', async () => {
    const schema = await database()
    expect(await run(['flush-expired', '--schema', schema, DATABASE_URL])).toEqual({
      code: 0,
      out: '2',
      err: '',
    })
    const { tokens, close } = await openPostgresStore({ connectionString: DATABASE_URL, schema })
    expect(await tokens.outstanding('expired')).toBeUndefined()
    expect(await tokens.isBlacklisted('expired-blacklisted')).toBe(false)
    expect(await tokens.isBlacklisted('valid')).toBe(true)
    expect(await tokens.isFamilyRevoked('old-family')).toBe(false)
    await close()
    expect(await run(['flush-expired', DATABASE_URL, '--schema', schema])).toMatchObject({
      code: 0,
      out: '0',
    })
  })

  it('does not create a schema that is not there', async () => {
    const result = await run(['flush-expired', '--schema', newSchema(), DATABASE_URL])
    expect(result).toMatchObject({ code: 1, out: '' })
    expect(result.err).toMatch(/^simplejwt-postgres: The schema .* has no simplejwt tables$/)
  })

  it('reports a database it cannot reach', async () => {
    const result = await run(['flush-expired', 'postgres://postgres@127.0.0.1:1/test'])
    expect(result).toMatchObject({ code: 1, out: '' })
    expect(result.err).toMatch(/^simplejwt-postgres: /)
  })

  it('prints its usage on --help, and on wrong arguments with exit code 2', async () => {
    expect(await run(['--help'])).toMatchObject({ code: 0, err: '' })
    expect((await run(['--help'])).out).toContain('flush-expired [--schema <name>]')
    for (const args of [
      [],
      ['flush', DATABASE_URL],
      ['flush-expired', 'a', 'b'],
      ['flush-expired', '--schema'],
      ['flush-expired', '--schema', 'a', '--schema', 'b'],
      ['flush-expired', '--verbose'],
    ]) {
      const result = await run(args)
      expect(result).toMatchObject({ code: 2, out: '' })
      expect(result.err).toContain('Usage: simplejwt-postgres flush-expired')
    }
  })

  it('runs as a command, reading PG* variables without a URL', async () => {
    const schema = newSchema()
    const { tokens, close } = await openPostgresStore({ connectionString: DATABASE_URL, schema })
    // Expired against the real clock, which the command uses.
    await tokens.addOutstanding({ ...token('old', 0), expiresAt: new Date(Date.now() - 60_000) })
    await close()
    const cli = fileURLToPath(new URL('./cli.ts', import.meta.url))
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ['--import', 'tsx', cli, 'flush-expired', '--schema', schema],
      {
        env: {
          ...process.env,
          PGHOST: '127.0.0.1',
          PGPORT: '5432',
          PGUSER: 'postgres',
          PGDATABASE: 'test',
        },
      },
    )
    expect(stdout).toBe('1\n')
  })
})
