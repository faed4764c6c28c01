import { execFile } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import {
  ConfigurationError,
  createSimpleJWT,
  type OutstandingToken,
  verifyPassword,
} from '@simplejwt/core'
import { requireService, runTokenStoreSuite, runUserStoreSuite } from '@simplejwt/store-tests'
import { Pool } from 'pg'
import { afterAll, describe, expect, it } from 'vitest'
import { DATABASE_URL, dropRunSchemas, newSchema, probe, proxy } from './database.fixture'
import { SCHEMA_VERSION } from './schema'
import { openPostgresStore, type PostgresStore } from './store'
import { type PostgresUser, UserExistsError } from './users'

const available = await requireService(`PostgreSQL at ${DATABASE_URL}`, probe)

const opened: PostgresStore[] = []
/** A store on a new, empty schema of this run. */
async function open(options: { schema?: string; connectionString?: string } = {}) {
  const store = await openPostgresStore({
    connectionString: DATABASE_URL,
    schema: newSchema(),
    ...options,
  })
  opened.push(store)
  return store
}

afterAll(async () => {
  if (!available) return
  await Promise.all(opened.map((store) => store.close().catch(() => {})))
  await dropRunSchemas()
})

const NOW = new Date('2024-05-01T12:00:00.000Z')
const token = (jti: string, expiresAt = new Date(NOW.getTime() + 3_600_000)): OutstandingToken => ({
  jti,
  userId: 1,
  tokenDigest: 'a'.repeat(64),
  createdAt: NOW,
  expiresAt,
})

describe.runIf(available)('with PostgreSQL', () => {
  runTokenStoreSuite('PostgresTokenStore', async () => {
    const { tokens } = await open()
    return { store: tokens, outstanding: (jti) => tokens.outstanding(jti), close: async () => {} }
  })

  runUserStoreSuite('PostgresUserStore', async (seed) => {
    const { users } = await open()
    for (const user of seed) await users.createUser(user)
    return {
      store: users,
      setPassword: async (user, password) => {
        expect(await users.setPassword(user as PostgresUser, password)).toBe(true)
      },
      close: async () => {},
    }
  })

  describe('openPostgresStore', () => {
    it('creates the tables in its schema, at the current version', async () => {
      const { pool, schema } = await open()
      const columns = async (table: string) =>
        (
          await pool.query<{ name: string }>(
            `SELECT column_name AS name FROM information_schema.columns
             WHERE table_schema = $1 AND table_name = $2 ORDER BY ordinal_position`,
            [schema, table],
          )
        ).rows.map((r) => r.name)
      expect(await columns('users')).toEqual([
        'id',
        'username',
        'password',
        'is_active',
        'is_staff',
        'last_login',
        'date_joined',
      ])
      // A digest, never the token: there is no column a token could be kept in.
      expect(await columns('outstanding_tokens')).toEqual([
        'id',
        'jti',
        'user_id',
        'token_digest',
        'created_at',
        'expires_at',
      ])
      expect(await columns('blacklisted_tokens')).toEqual(['id', 'token_id', 'blacklisted_at'])
      expect(await columns('revoked_families')).toEqual(['family', 'revoked_at', 'expires_at'])
      expect(await columns('revoked_users')).toEqual(['user_key', 'revoked_at', 'expires_at'])
      const { rows } = await pool.query(
        `SELECT version FROM "${schema}".simplejwt_migrations ORDER BY version`,
      )
      expect(rows.map((r) => r.version)).toEqual(
        Array.from({ length: SCHEMA_VERSION }, (_, i) => i + 1),
      )
      const indexes = await pool.query<{ name: string }>(
        `SELECT indexname AS name FROM pg_indexes
         WHERE schemaname = $1 AND indexdef NOT LIKE 'CREATE UNIQUE %' ORDER BY indexname`,
        [schema],
      )
      expect(indexes.rows.map((r) => r.name)).toEqual([
        'outstanding_tokens_expires_at',
        'outstanding_tokens_user_key',
        'revoked_families_expires_at',
        'revoked_users_expires_at',
        'throttle_histories_expires_at',
      ])
    })

    it('migrates once when several processes start at once, and again finds nothing to do', async () => {
      const schema = newSchema()
      await Promise.all(Array.from({ length: 6 }, () => open({ schema })))
      const { pool } = await open({ schema })
      const { rows } = await pool.query(`SELECT version FROM "${schema}".simplejwt_migrations`)
      expect(rows).toHaveLength(SCHEMA_VERSION)
    })

    it('keeps the blacklist across close and re-open', async () => {
      const schema = newSchema()
      const before = await open({ schema })
      expect(await before.tokens.blacklist(token('kept'), NOW)).toBe(true)
      await before.close()
      const after = await open({ schema })
      expect(await after.tokens.isBlacklisted('kept')).toBe(true)
      expect(await after.tokens.outstanding('kept')).toEqual(token('kept'))
    })

    it('refuses a schema newer than it knows, and a missing one when not creating', async () => {
      const { pool, schema } = await open()
      await pool.query(`INSERT INTO "${schema}".simplejwt_migrations (version) VALUES ($1)`, [
        SCHEMA_VERSION + 1,
      ])
      await expect(open({ schema })).rejects.toThrow(/newer than this @simplejwt\/postgres knows/)
      await expect(
        openPostgresStore({ connectionString: DATABASE_URL, schema: newSchema(), create: false }),
      ).rejects.toThrow(/has no simplejwt tables/)
    })

    it('checks its options at start-up', async () => {
      for (const options of [
        { schema: 'bad-name' },
        { schema: 'x; DROP TABLE users' },
        { usernameField: 'password' },
        { usernameField: '' },
      ]) {
        await expect(
          openPostgresStore({ connectionString: DATABASE_URL, ...options }),
        ).rejects.toThrow(ConfigurationError)
      }
      const pool = new Pool({ connectionString: DATABASE_URL })
      await expect(openPostgresStore({ pool, connectionString: DATABASE_URL })).rejects.toThrow(
        ConfigurationError,
      )
      await pool.end()
    })

    it('rejects at once when the database cannot be reached', async () => {
      const started = Date.now()
      await expect(
        openPostgresStore({ connectionString: 'postgres://postgres@127.0.0.1:1/test' }),
      ).rejects.toThrow()
      expect(Date.now() - started).toBeLessThan(3000)
    })

    it("uses a pool of the caller's, and leaves it open", async () => {
      const pool = new Pool({ connectionString: DATABASE_URL })
      const store = await openPostgresStore({ pool, schema: newSchema() })
      await store.close()
      expect((await pool.query('SELECT 1 AS one')).rows).toEqual([{ one: 1 }])
      await pool.end()
    })
  })

  describe('PostgresTokenStore', () => {
    it('stores times as timestamptz and the user id as JSON', async () => {
      const { tokens, pool, schema } = await open()
      await tokens.blacklist({ ...token('t'), userId: '42' }, new Date('2024-05-01T12:30:00Z'))
      const { rows } = await pool.query(
        `SELECT user_id, created_at, expires_at, blacklisted_at FROM "${schema}".outstanding_tokens
         JOIN "${schema}".blacklisted_tokens b ON b.token_id = outstanding_tokens.id`,
      )
      expect(rows).toEqual([
        {
          user_id: '42',
          created_at: NOW,
          expires_at: new Date('2024-05-01T13:00:00Z'),
          blacklisted_at: new Date('2024-05-01T12:30:00Z'),
        },
      ])
    })

    it('lets exactly one of 50 blacklist attempts win across two processes', async () => {
      const { schema } = await open()
      const fixture = fileURLToPath(new URL('./race.fixture.ts', import.meta.url))
      const startAt = Date.now() + 2500
      const runs = await Promise.all(
        Array.from({ length: 2 }, () =>
          promisify(execFile)(process.execPath, [
            '--import',
            'tsx',
            fixture,
            DATABASE_URL,
            schema,
            String(startAt),
            '25',
            'raced',
          ]),
        ),
      )
      const wins = runs.map(({ stdout }) => Number(stdout))
      expect(wins.reduce((a, b) => a + b, 0)).toBe(1)
    })

    it('blacklists a token that another connection has just recorded', async () => {
      const { tokens } = await open()
      for (let i = 0; i < 20; i++) {
        const record = token(`fresh-${i}`)
        const [, won] = await Promise.all([
          tokens.addOutstanding(record),
          tokens.blacklist(record, NOW),
        ])
        expect(won).toBe(true)
        expect(await tokens.isBlacklisted(record.jti)).toBe(true)
      }
    })
  })

  describe('PostgresUserStore', () => {
    it('creates users with defaults and a Django scrypt hash, never the password', async () => {
      const { users, pool, schema } = await open()
      const alice = await users.createUser({ username: 'alice', password: 'alice-password' })
      expect(alice).toMatchObject({ id: 1, username: 'alice', isActive: true, isStaff: false })
      expect(Object.isFrozen(alice)).toBe(true)
      const { rows } = await pool.query(`SELECT password FROM "${schema}".users WHERE id = 1`)
      expect(rows[0].password).toMatch(/^scrypt\$16384\$[A-Za-z0-9]{22}\$8\$1\$/)
      expect(await verifyPassword('alice-password', rows[0].password)).toBe(true)
    })

    it('refuses a username or an id that is taken, and moves past chosen ids', async () => {
      const { users, pool, schema } = await open()
      await users.createUser({ id: 5, username: 'alice', password: 'x' })
      await expect(users.createUser({ username: 'alice', password: 'y' })).rejects.toMatchObject({
        code: 'user_exists',
        field: 'username',
      })
      await expect(users.createUser({ id: 5, username: 'bob', password: 'y' })).rejects.toThrow(
        UserExistsError,
      )
      // Past the chosen id (a failed insert may use up a number, as sequences do).
      const bob = await users.createUser({ username: 'bob', password: 'y' })
      expect(bob.id).toBeGreaterThan(5)
      // A deleted user's id is never given again, and a lower chosen id does not move back.
      await pool.query(`DELETE FROM "${schema}".users WHERE id = $1`, [bob.id])
      await users.createUser({ id: 2, username: 'carol', password: 'y' })
      expect((await users.createUser({ username: 'dave', password: 'y' })).id).toBeGreaterThan(
        bob.id,
      )
    })

    it('sets passwords, records logins, and finds nobody for impossible ids', async () => {
      const { users } = await open()
      const alice = await users.createUser({ username: 'alice', password: 'old' })
      expect(await users.setPassword(alice, 'new')).toBe(true)
      expect(await users.authenticate({ username: 'alice', password: 'new' })).not.toBeNull()
      expect(await users.setPassword({ id: 99 }, 'x')).toBe(false)
      await users.updateLastLogin(alice, NOW)
      expect(await users.getUser('id', 1)).toMatchObject({ lastLogin: NOW })
      for (const id of [2 ** 40, '99999999999', 'a\u0000b']) {
        expect(await users.getUser('id', id)).toBeNull()
      }
      expect(await users.getUser('username', 'a\u0000b')).toBeNull()
      expect(await users.authenticate({ username: 'a\u0000b', password: 'x' })).toBeNull()
    })
  })

  describe('with createSimpleJWT', () => {
    const headers = { 'content-type': 'application/json' }
    const settings = {
      SIGNING_KEY: 'postgres-test-signing-key-0123456789abcdef',
      ROTATE_REFRESH_TOKENS: true,
      BLACKLIST_AFTER_ROTATION: true,
      REFRESH_TOKEN_REUSE_DETECTION: true,
      CHECK_REVOKE_TOKEN: true,
    }

    it('rotates once, detects reuse, logs out everywhere and checks the password', async () => {
      const { users, tokens } = await open()
      const alice = await users.createUser({ username: 'alice', password: 'pw' })
      const sjwt = await createSimpleJWT({ settings, users, tokens })
      const login = async () =>
        (await sjwt.obtainTokenPair({ headers, body: { username: 'alice', password: 'pw' } }))
          .body as { refresh: string; access: string }
      const refresh = (value: string) => sjwt.refreshToken({ headers, body: { refresh: value } })
      const auth = async (access: string) =>
        (await sjwt.authenticate({ headers: { authorization: `Bearer ${access}` } })).status

      const first = await login()
      const results = await Promise.all(Array.from({ length: 20 }, () => refresh(first.refresh)))
      expect(results.filter((r) => r.status === 200)).toHaveLength(1)
      const rotated = (results.find((r) => r.status === 200)?.body ?? {}) as { refresh: string }
      expect((await refresh(rotated.refresh)).status).toBe(401)

      const second = await login()
      expect(await auth(second.access)).toBe('authenticated')
      const out = await sjwt.logoutEverywhere({
        headers: { authorization: `Bearer ${second.access}` },
      })
      expect(out.status).toBe(200)
      expect((await refresh(second.refresh)).status).toBe(401)
      expect(await auth(second.access)).toBe('failed')

      const third = await login()
      expect(await auth(third.access)).toBe('authenticated')
      await users.setPassword(alice, 'pw2')
      const outcome = await sjwt.authenticate({
        headers: { authorization: `Bearer ${third.access}` },
      })
      expect(outcome).toMatchObject({
        status: 'failed',
        response: { body: { code: 'password_changed' } },
      })
    })

    it('answers 503 while the database is away, nothing let through, and recovers', async () => {
      const schema = newSchema()
      await open({ schema })
      const cut = await proxy()
      const errors: Error[] = []
      const store = await openPostgresStore({
        connectionString: cut.url,
        schema,
        onError: (error) => errors.push(error),
      })
      opened.push(store)
      await store.users.createUser({ username: 'alice', password: 'pw' })
      const sjwt = await createSimpleJWT({ settings, users: store.users, tokens: store.tokens })
      const obtained = await sjwt.obtainTokenPair({
        headers,
        body: { username: 'alice', password: 'pw' },
      })
      const { refresh, access } = obtained.body as { refresh: string; access: string }

      await cut.cut()
      const started = Date.now()
      for (const response of [
        await sjwt.refreshToken({ headers, body: { refresh } }),
        await sjwt.obtainTokenPair({ headers, body: { username: 'alice', password: 'pw' } }),
        await sjwt.blacklistToken({ headers, body: { refresh } }),
      ]) {
        expect(response).toMatchObject({
          status: 503,
          body: {
            detail: 'Service temporarily unavailable, try again later.',
            code: 'store_unavailable',
          },
        })
      }
      const outcome = await sjwt.authenticate({ headers: { authorization: `Bearer ${access}` } })
      expect(outcome).toMatchObject({ status: 'failed', response: { status: 503 } })
      expect(Date.now() - started).toBeLessThan(3000)

      await cut.start()
      expect((await sjwt.refreshToken({ headers, body: { refresh } })).status).toBe(200)
    })

    it('replaces connections that the server ended', async () => {
      const { tokens, pool } = await open()
      const sjwt = await createSimpleJWT({
        settings: { SIGNING_KEY: settings.SIGNING_KEY },
        tokens,
      })
      const refresh = await (await sjwt.RefreshToken.forUser({ id: 1 })).sign()
      expect((await sjwt.refreshToken({ headers, body: { refresh } })).status).toBe(200)
      const admin = new Pool({ connectionString: DATABASE_URL, max: 1 })
      const mine = (await pool.query('SELECT pg_backend_pid() AS pid')).rows[0].pid
      await admin.query('SELECT pg_terminate_backend($1)', [mine])
      await admin.end()
      await new Promise((resolve) => setTimeout(resolve, 100))
      expect((await sjwt.refreshToken({ headers, body: { refresh } })).status).toBe(200)
    })
  })
})
