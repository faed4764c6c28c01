import { beforeAll, describe, expect, it } from 'vitest'
import { MemoryTokenStore, MemoryUserStore } from './memory'
import type { OutstandingToken } from './stores'

let users: MemoryUserStore

// scrypt costs tens of milliseconds per hash: one store for the whole file.
beforeAll(async () => {
  users = await MemoryUserStore.create([
    { id: 1, username: 'alice', password: 'alice-password' },
    { id: 2, username: 'bob', password: 'bob-password', isActive: false },
    { id: 'u-3', username: 'carol', password: 'carol-password', isStaff: true },
  ])
}, 30_000)

describe('MemoryUserStore', () => {
  it('authenticates a user with the right password', async () => {
    const user = await users.authenticate({ username: 'alice', password: 'alice-password' })
    expect(user).toMatchObject({ id: 1, username: 'alice' })
  })

  it('refuses a wrong password', async () => {
    expect(await users.authenticate({ username: 'alice', password: 'bob-password' })).toBeNull()
    expect(await users.authenticate({ username: 'alice', password: '' })).toBeNull()
    expect(await users.authenticate({ username: 'alice' })).toBeNull()
  })

  it('refuses an unknown user, even with a password someone else has', async () => {
    expect(await users.authenticate({ username: 'mallory', password: 'alice-password' })).toBeNull()
    expect(await users.authenticate({ password: 'alice-password' })).toBeNull()
  })

  it('leaves the active check to the caller: an inactive user with the right password is returned', async () => {
    const bob = await users.authenticate({ username: 'bob', password: 'bob-password' })
    expect(bob).toMatchObject({ id: 2, isActive: false })
  })

  it('returns users without their password or its hash', async () => {
    const alice = await users.authenticate({ username: 'alice', password: 'alice-password' })
    const byId = await users.getUser('id', 1)
    for (const user of [alice, byId]) {
      expect(user).not.toBeNull()
      expect(Object.keys(user ?? {}).sort()).toEqual(['id', 'username'])
      expect(JSON.stringify(user)).not.toContain('password')
      expect(JSON.stringify(user)).not.toContain('scrypt')
    }
  })

  it('returns stored users frozen, so a caller cannot change the store through them', async () => {
    const alice = await users.getUser('id', 1)
    expect(Object.isFrozen(alice)).toBe(true)
  })

  it('finds users by id, a token\'s "1" finding the user whose id is 1', async () => {
    expect(await users.getUser('id', 1)).toMatchObject({ username: 'alice' })
    expect(await users.getUser('id', '1')).toMatchObject({ username: 'alice' })
    expect(await users.getUser('id', 'u-3')).toMatchObject({ username: 'carol', isStaff: true })
    expect(await users.getUser('username', 'bob')).toMatchObject({ id: 2 })
  })

  it('finds nobody for unknown ids and for values that are not strings or numbers', async () => {
    expect(await users.getUser('id', 99)).toBeNull()
    expect(await users.getUser('id', null)).toBeNull()
    expect(await users.getUser('id', undefined)).toBeNull()
    expect(await users.getUser('id', [1])).toBeNull()
    expect(await users.getUser('id', { id: 1 })).toBeNull()
    expect(await users.getUser('id', true)).toBeNull()
    expect(await users.getUser('nosuchfield', 1)).toBeNull()
  })

  it('answers getUser at once, with a value', () => {
    expect(users.getUser('id', 1)).toMatchObject({ id: 1, username: 'alice' })
    expect(users.getUser('id', 99)).toBeNull()
  })

  it('adds users after creation', async () => {
    const store = await MemoryUserStore.create()
    const dave = await store.add({ id: 4, username: 'dave', password: 'dave-password' })
    expect(dave).toEqual({ id: 4, username: 'dave' })
    expect(await store.authenticate({ username: 'dave', password: 'dave-password' })).toBe(dave)
    expect(await store.getUser('id', '4')).toBe(dave)
  })

  it('reads the username field it was created with', async () => {
    const store = await MemoryUserStore.create(
      [{ id: 5, email: 'erin@example.com', password: 'erin-password' }],
      { usernameField: 'email' },
    )
    expect(store.usernameField).toBe('email')
    expect(
      await store.authenticate({ email: 'erin@example.com', password: 'erin-password' }),
    ).toMatchObject({ id: 5 })
    expect(
      await store.authenticate({ username: 'erin@example.com', password: 'erin-password' }),
    ).toBeNull()
  })

  it('records the last login on the stored user', async () => {
    const store = await MemoryUserStore.create()
    const frank = await store.add({ id: 6, username: 'frank', password: 'frank-password' })
    const at = new Date(Date.UTC(2030, 0, 1))
    await store.updateLastLogin(frank, at)
    expect(await store.getUser('id', 6)).toMatchObject({ username: 'frank', lastLogin: at })
  })
})

describe('MemoryTokenStore', () => {
  const T0 = Date.UTC(2030, 0, 1)

  function record(jti: string, expiresInSeconds: number, userId: string | number | null = 1) {
    return {
      jti,
      userId,
      tokenDigest: 'ab'.repeat(32),
      createdAt: new Date(T0),
      expiresAt: new Date(T0 + expiresInSeconds * 1000),
    } satisfies OutstandingToken
  }

  it('answers the reads authentication makes at once, with values', async () => {
    const store = new MemoryTokenStore()
    await store.blacklist(record('jti-1', 60), new Date(T0))
    await store.revokeFamily('family-1', new Date(T0), new Date(T0 + 60_000))
    await store.revokeUser(1, new Date(T0), new Date(T0 + 60_000))
    expect(store.isBlacklisted('jti-1')).toBe(true)
    expect(store.isBlacklisted('jti-2')).toBe(false)
    expect(store.isFamilyRevoked('family-1')).toBe(true)
    expect(store.userRevokedAt(1)).toEqual(new Date(T0))
    expect(store.userRevokedAt(2)).toBeNull()
  })

  it('records outstanding tokens once, keeping the first record', async () => {
    const store = new MemoryTokenStore()
    const first = record('a', 60)
    await store.addOutstanding(first)
    await store.addOutstanding({ ...first, userId: 2 })
    expect(store.outstanding('a')).toEqual(first)
    expect(store.outstanding('missing')).toBeUndefined()
  })

  it('answers true to the call that blacklists a token and false afterwards', async () => {
    const store = new MemoryTokenStore()
    await store.addOutstanding(record('a', 60))
    expect(await store.isBlacklisted('a')).toBe(false)
    expect(await store.blacklist(record('a', 60), new Date(T0))).toBe(true)
    expect(await store.isBlacklisted('a')).toBe(true)
    expect(await store.blacklist(record('a', 60), new Date(T0))).toBe(false)
    expect(await store.isBlacklisted('a')).toBe(true)
    expect(await store.isBlacklisted('b')).toBe(false)
  })

  it('records a token it blacklists as outstanding when it was not', async () => {
    const store = new MemoryTokenStore()
    expect(await store.blacklist(record('new', 60), new Date(T0))).toBe(true)
    expect(store.outstanding('new')).toEqual(record('new', 60))
  })

  it('lets exactly one of concurrent blacklist calls win', async () => {
    const store = new MemoryTokenStore()
    const answers = await Promise.all(
      Array.from({ length: 50 }, () => store.blacklist(record('race', 60), new Date(T0))),
    )
    expect(answers.filter((won) => won)).toHaveLength(1)
  })

  it('flushes only the tokens that expired, with their blacklist entries', async () => {
    const store = new MemoryTokenStore()
    await store.addOutstanding(record('live-1', 3600))
    await store.blacklist(record('live-2', 3600), new Date(T0))
    await store.addOutstanding(record('live-3', 3600, null))
    await store.blacklist(record('dead-1', -10), new Date(T0))
    await store.addOutstanding(record('dead-2', -1))
    // Expiring exactly now is not yet expired.
    await store.addOutstanding(record('edge', 0))

    expect(await store.flushExpired(new Date(T0))).toBe(2)

    for (const jti of ['live-1', 'live-2', 'live-3', 'edge']) {
      expect(store.outstanding(jti)).toBeDefined()
    }
    expect(store.outstanding('dead-1')).toBeUndefined()
    expect(store.outstanding('dead-2')).toBeUndefined()
    expect(await store.isBlacklisted('live-2')).toBe(true)
    expect(await store.isBlacklisted('dead-1')).toBe(false)
    expect(await store.flushExpired(new Date(T0))).toBe(0)
  })
})
