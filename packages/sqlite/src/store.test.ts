import { execFile } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import {
  ConfigurationError,
  createSimpleJWT,
  type OutstandingToken,
  verifyPassword,
} from '@simplejwt/core'
import { runTokenStoreSuite, runUserStoreSuite } from '@simplejwt/store-tests'
import { afterAll, describe, expect, it } from 'vitest'
import { SCHEMA_VERSION } from './schema'
import { openSqliteStore } from './store'
import { type SqliteUser, UserExistsError } from './users'

const dir = mkdtempSync(join(tmpdir(), 'simplejwt-sqlite-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))
let files = 0
/** A path for a new database file in the test's temporary directory. */
const newPath = () => join(dir, `store-${++files}.sqlite3`)

const NOW = new Date('2024-05-01T12:00:00.000Z')
const token = (jti: string, expiresAt = new Date(NOW.getTime() + 3_600_000)): OutstandingToken => ({
  jti,
  userId: 1,
  tokenDigest: 'a'.repeat(64),
  createdAt: NOW,
  expiresAt,
})

runTokenStoreSuite('SqliteTokenStore', async () => {
  const { tokens, close } = openSqliteStore(newPath())
  return {
    store: tokens,
    outstanding: (jti) => tokens.outstanding(jti),
    close: async () => close(),
  }
})

runUserStoreSuite('SqliteUserStore', async (seed) => {
  const { users, close } = openSqliteStore(newPath())
  for (const user of seed) await users.createUser(user)
  return {
    store: users,
    setPassword: async (user, password) => {
      expect(await users.setPassword(user as SqliteUser, password)).toBe(true)
    },
    close: async () => close(),
  }
})

describe('openSqliteStore', () => {
  it('creates the schema at the current version, in WAL mode with full sync and foreign keys', () => {
    const { db, close } = openSqliteStore(newPath())
    try {
      expect(SCHEMA_VERSION).toBe(2)
      expect(db.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION)
      expect(db.pragma('journal_mode', { simple: true })).toBe('wal')
      expect(db.pragma('synchronous', { simple: true })).toBe(2) // FULL
      expect(db.pragma('foreign_keys', { simple: true })).toBe(1)
      const columns = (table: string) =>
        (db.pragma(`table_info(${table})`) as Array<{ name: string }>).map((c) => c.name)
      expect(columns('users')).toEqual([
        'id',
        'username',
        'password',
        'is_active',
        'is_staff',
        'last_login',
        'date_joined',
      ])
      // A digest, never the token: there is no column a token could be kept in.
      expect(columns('outstanding_tokens')).toEqual([
        'id',
        'jti',
        'user_id',
        'token_digest',
        'created_at',
        'expires_at',
      ])
      expect(columns('blacklisted_tokens')).toEqual(['id', 'token_id', 'blacklisted_at'])
      expect(columns('revoked_families')).toEqual(['family', 'revoked_at', 'expires_at'])
      expect(columns('revoked_users')).toEqual(['user_key', 'revoked_at', 'expires_at'])
      const indexes = db
        .prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND name NOT LIKE 'sqlite_%'")
        .pluck()
        .all()
      expect(indexes.sort()).toEqual([
        'outstanding_tokens_expires_at',
        'outstanding_tokens_user_id',
        'revoked_families_expires_at',
        'revoked_users_expires_at',
      ])
    } finally {
      close()
    }
  })

  it('opens an existing database again without migrating it twice', () => {
    const path = newPath()
    openSqliteStore(path).close()
    const first = openSqliteStore(path)
    const second = openSqliteStore(path) // while the first is still open
    expect(second.db.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION)
    first.close()
    second.close()
  })

  it('migrates a version 1 database to the current version, keeping what it holds', async () => {
    const path = newPath()
    const v1 = openSqliteStore(path)
    await v1.users.createUser({ username: 'alice', password: 'x' })
    await v1.tokens.blacklist(token('kept'), NOW)
    // Back to what version 1 of the schema was.
    v1.db.exec('DROP TABLE revoked_families; DROP TABLE revoked_users; PRAGMA user_version = 1')
    v1.close()

    const current = openSqliteStore(path)
    expect(current.db.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION)
    expect(await current.tokens.isBlacklisted('kept')).toBe(true)
    expect(await current.users.getUser('username', 'alice')).not.toBeNull()
    expect(await current.tokens.revokeFamily('f', NOW, NOW)).toBe(true)
    current.close()
  })

  it('refuses a database whose schema is newer than it knows', () => {
    const path = newPath()
    const { db, close } = openSqliteStore(path)
    db.pragma(`user_version = ${SCHEMA_VERSION + 1}`)
    close()
    expect(() => openSqliteStore(path)).toThrow(/newer than this @simplejwt\/sqlite knows/)
  })

  it('works in memory', async () => {
    const { tokens, db, close } = openSqliteStore(':memory:')
    expect(db.memory).toBe(true)
    expect(await tokens.blacklist(token('m'), NOW)).toBe(true)
    expect(await tokens.isBlacklisted('m')).toBe(true)
    close()
  })

  it('checks its options at start-up', () => {
    expect(() => openSqliteStore(':memory:', { usernameField: 'password' })).toThrow(
      ConfigurationError,
    )
    expect(() => openSqliteStore(':memory:', { usernameField: '' })).toThrow(ConfigurationError)
    expect(() => openSqliteStore(':memory:', { busyTimeout: -1 })).toThrow(ConfigurationError)
  })

  it('keeps users and the blacklist across close and re-open', async () => {
    const path = newPath()
    const before = openSqliteStore(path)
    await before.users.createUser({ username: 'alice', password: 'alice-password' })
    expect(await before.tokens.blacklist(token('kept'), NOW)).toBe(true)
    before.close()

    const after = openSqliteStore(path)
    expect(await after.tokens.isBlacklisted('kept')).toBe(true)
    expect(await after.tokens.blacklist(token('kept'), NOW)).toBe(false)
    expect(after.tokens.outstanding('kept')).toEqual(token('kept'))
    expect(
      await after.users.authenticate({ username: 'alice', password: 'alice-password' }),
    ).toMatchObject({
      username: 'alice',
    })
    after.close()
  })
})

describe('SqliteTokenStore', () => {
  it('deletes the blacklist rows of flushed tokens', async () => {
    const { tokens, db, close } = openSqliteStore(newPath())
    await tokens.blacklist(token('old', new Date(NOW.getTime() - 1)), NOW)
    await tokens.blacklist(token('new'), NOW)
    expect(await tokens.flushExpired(NOW)).toBe(1)
    const count = (table: string) =>
      db.prepare(`SELECT count(*) FROM ${table}`).pluck().get() as number
    expect(count('outstanding_tokens')).toBe(1)
    expect(count('blacklisted_tokens')).toBe(1)
    close()
  })

  it('stores times as ISO-8601 UTC text', async () => {
    const { tokens, db, close } = openSqliteStore(newPath())
    await tokens.blacklist(token('t'), new Date('2024-05-01T12:30:00Z'))
    expect(db.prepare('SELECT created_at, expires_at FROM outstanding_tokens').get()).toEqual({
      created_at: '2024-05-01T12:00:00.000Z',
      expires_at: '2024-05-01T13:00:00.000Z',
    })
    expect(db.prepare('SELECT blacklisted_at FROM blacklisted_tokens').pluck().get()).toBe(
      '2024-05-01T12:30:00.000Z',
    )
    close()
  })

  it('lets exactly one of 50 blacklist calls win across two connections to one file', async () => {
    const path = newPath()
    const a = openSqliteStore(path)
    const b = openSqliteStore(path)
    const results = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        (i % 2 === 0 ? a : b).tokens.blacklist(token('shared'), NOW),
      ),
    )
    expect(results.filter((won) => won)).toHaveLength(1)
    expect(await a.tokens.isBlacklisted('shared')).toBe(true)
    expect(await b.tokens.isBlacklisted('shared')).toBe(true)
    a.close()
    b.close()
  })

  it('lets exactly one process win each token when four processes race on one file', async () => {
    const path = newPath()
    openSqliteStore(path).close() // migrated once, so the race is about blacklisting only
    const jtis = Array.from({ length: 25 }, (_, i) => `raced-${i}`)
    const fixture = fileURLToPath(new URL('./race.fixture.ts', import.meta.url))
    const startAt = Date.now() + 2_000
    const runs = await Promise.all(
      Array.from({ length: 4 }, () =>
        promisify(execFile)(process.execPath, [
          '--import',
          'tsx',
          fixture,
          path,
          String(startAt),
          ...jtis,
        ]),
      ),
    )
    const won = runs.flatMap(({ stdout }) => JSON.parse(stdout) as string[])
    expect(won.sort()).toEqual([...jtis].sort())
  })
})

describe('SqliteUserStore', () => {
  it('creates users with defaults and a Django scrypt hash, never the password', async () => {
    const { users, db, close } = openSqliteStore(newPath())
    const before = Date.now()
    const alice = await users.createUser({ username: 'alice', password: 'alice-password' })
    expect(alice).toMatchObject({
      id: 1,
      username: 'alice',
      isActive: true,
      isStaff: false,
      lastLogin: null,
    })
    expect(alice.dateJoined.getTime()).toBeGreaterThanOrEqual(before - 1)
    expect(Object.isFrozen(alice)).toBe(true)
    const bob = await users.createUser({
      id: 10,
      username: 'bob',
      password: 'bob-password',
      isActive: false,
      isStaff: true,
      dateJoined: NOW,
    })
    expect(bob).toEqual({
      id: 10,
      username: 'bob',
      isActive: false,
      isStaff: true,
      lastLogin: null,
      dateJoined: NOW,
    })
    const hash = db.prepare('SELECT password FROM users WHERE id = 1').pluck().get() as string
    expect(hash).toMatch(/^scrypt\$16384\$[A-Za-z0-9]{22}\$8\$1\$/)
    expect(await verifyPassword('alice-password', hash)).toBe(true)
    close()
  })

  it('refuses a username or an id that is taken', async () => {
    const { users, close } = openSqliteStore(newPath())
    await users.createUser({ id: 1, username: 'alice', password: 'x' })
    const taken = users.createUser({ username: 'alice', password: 'y' })
    await expect(taken).rejects.toThrow(UserExistsError)
    await expect(taken).rejects.toMatchObject({ code: 'user_exists', field: 'username' })
    await expect(users.createUser({ id: 1, username: 'bob', password: 'y' })).rejects.toMatchObject(
      {
        field: 'id',
        message: "A user with id '1' already exists",
      },
    )
    close()
  })

  it("never gives a deleted user's id to a new user", async () => {
    const { users, db, close } = openSqliteStore(newPath())
    await users.createUser({ username: 'alice', password: 'x' })
    const bob = await users.createUser({ username: 'bob', password: 'x' })
    db.prepare('DELETE FROM users WHERE id = ?').run(bob.id)
    expect((await users.createUser({ username: 'carol', password: 'x' })).id).toBe(bob.id + 1)
    close()
  })

  it('stores the last login as ISO-8601 UTC text', async () => {
    const { users, db, close } = openSqliteStore(newPath())
    const alice = await users.createUser({ username: 'alice', password: 'x' })
    await users.updateLastLogin(alice, NOW)
    expect(db.prepare('SELECT last_login FROM users').pluck().get()).toBe(NOW.toISOString())
    expect(await users.getUser('id', alice.id)).toMatchObject({ lastLogin: NOW })
    close()
  })

  it('reads the username from the credential named by usernameField', async () => {
    const { users, close } = openSqliteStore(newPath(), { usernameField: 'email' })
    await users.createUser({ username: 'alice@example.com', password: 'alice-password' })
    expect(users.usernameField).toBe('email')
    expect(
      await users.authenticate({ email: 'alice@example.com', password: 'alice-password' }),
    ).toMatchObject({ username: 'alice@example.com' })
    expect(
      await users.authenticate({ username: 'alice@example.com', password: 'alice-password' }),
    ).toBeNull()
    close()
  })
})

describe('SqliteUserStore.setPassword and revocationStamp', () => {
  it('changes the stored hash, and tells a missing user', async () => {
    const { users, close } = openSqliteStore(newPath())
    const alice = await users.createUser({ username: 'alice', password: 'old' })
    const stamp = await users.revocationStamp(alice)
    expect(stamp).toMatch(/^scrypt\$/)
    expect(await users.setPassword(alice, 'new')).toBe(true)
    expect(await users.revocationStamp(alice)).not.toBe(stamp)
    expect(await users.authenticate({ username: 'alice', password: 'new' })).not.toBeNull()
    expect(await users.setPassword({ id: 99 }, 'x')).toBe(false)
    expect(await users.revocationStamp({ ...alice, id: 99 })).toBeNull()
    close()
  })
})

describe('with createSimpleJWT', () => {
  it('answers the reads of authentication at once, so a request is authenticated without waiting', async () => {
    const { users, tokens, close } = openSqliteStore(newPath())
    const alice = await users.createUser({ username: 'alice', password: 'alice-password' })
    expect(users.getUser('id', alice.id)).toEqual(alice)
    expect(tokens.isBlacklisted('jti')).toBe(false)
    expect(tokens.isFamilyRevoked('family')).toBe(false)
    expect(tokens.userRevokedAt(alice.id)).toBeNull()
    const sjwt = await createSimpleJWT({
      settings: { SIGNING_KEY: 'test-signing-key-0123456789-0123456789' },
      users,
      tokens,
    })
    const access = await (await sjwt.AccessToken.forUser(alice)).sign()
    const result = sjwt.authorize({ headers: { authorization: `Bearer ${access}` } })
    expect(result).not.toBeInstanceOf(Promise)
    expect(result).toMatchObject({ ok: true, user: alice })
    close()
  })

  it('issues, rotates and blacklists refresh tokens', async () => {
    const { users, tokens, close } = openSqliteStore(newPath())
    await users.createUser({ username: 'alice', password: 'alice-password' })
    const sjwt = await createSimpleJWT({
      settings: {
        SIGNING_KEY: 'test-signing-key-0123456789-0123456789',
        ROTATE_REFRESH_TOKENS: true,
        BLACKLIST_AFTER_ROTATION: true,
        UPDATE_LAST_LOGIN: true,
      },
      users,
      tokens,
    })
    const headers = { 'content-type': 'application/json' }
    const obtained = await sjwt.obtainTokenPair({
      headers,
      body: { username: 'alice', password: 'alice-password' },
    })
    expect(obtained.status).toBe(200)
    const { refresh } = obtained.body as { refresh: string }

    const rotated = await sjwt.refreshToken({ headers, body: { refresh } })
    expect(rotated.status).toBe(200)
    const again = await sjwt.refreshToken({ headers, body: { refresh } })
    expect(again).toMatchObject({ status: 401, body: { code: 'token_not_valid' } })
    expect((await users.getUser('username', 'alice'))?.lastLogin).toBeInstanceOf(Date)
    close()
  })

  it('detects reuse, logs out everywhere and checks the password hash, across a re-open', async () => {
    const path = newPath()
    let now = Date.UTC(2030, 0, 1, 12, 0, 0) + 999
    const open = async () => {
      const store = openSqliteStore(path)
      const sjwt = await createSimpleJWT({
        settings: {
          SIGNING_KEY: 'test-signing-key-0123456789-0123456789',
          ROTATE_REFRESH_TOKENS: true,
          BLACKLIST_AFTER_ROTATION: true,
          REFRESH_TOKEN_REUSE_DETECTION: true,
          CHECK_REVOKE_TOKEN: true,
        },
        users: store.users,
        tokens: store.tokens,
        clock: () => now,
      })
      return { store, sjwt }
    }
    const first = await open()
    const alice = await first.store.users.createUser({ username: 'alice', password: 'pw' })
    const headers = { 'content-type': 'application/json' }
    const login = async () =>
      (await first.sjwt.obtainTokenPair({ headers, body: { username: 'alice', password: 'pw' } }))
        .body as { refresh: string; access: string }
    const refresh = (sjwt: typeof first.sjwt, token: string) =>
      sjwt.refreshToken({ headers, body: { refresh: token } })
    const auth = async (sjwt: typeof first.sjwt, access: string) =>
      (await sjwt.authenticate({ headers: { authorization: `Bearer ${access}` } })).status

    // Reuse: the rotated token comes back, the family is revoked, and stays so after a restart.
    const stolen = (await login()).refresh
    const { refresh: newest } = (await refresh(first.sjwt, stolen)).body as { refresh: string }
    expect((await refresh(first.sjwt, stolen)).status).toBe(401)
    // Log out everywhere.
    const session = await login()
    now += 1000
    // The newest token of the revoked family and this session's: both still outstanding.
    expect(await first.sjwt.revokeUserTokens(alice.id)).toBe(2)
    first.store.close()

    const second = await open()
    expect((await refresh(second.sjwt, newest)).status).toBe(401)
    expect((await refresh(second.sjwt, session.refresh)).status).toBe(401)
    expect(await auth(second.sjwt, session.access)).toBe('failed')
    now += 1000
    const fresh = (
      await second.sjwt.obtainTokenPair({ headers, body: { username: 'alice', password: 'pw' } })
    ).body as { refresh: string; access: string }
    expect(await auth(second.sjwt, fresh.access)).toBe('authenticated')
    // CHECK_REVOKE_TOKEN: a new password ends the session.
    await second.store.users.setPassword(alice, 'pw2')
    const outcome = await second.sjwt.authenticate({
      headers: { authorization: `Bearer ${fresh.access}` },
    })
    expect(outcome).toMatchObject({
      status: 'failed',
      response: { status: 401, body: { code: 'password_changed' } },
    })
    second.store.close()
  })
})
