import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, afterEach, describe, expect, it } from 'vitest'
import { DemoConfigError, readConfig } from './config'
import {
  requirePostgres,
  requireRedis,
  type ScratchPrefix,
  scratchPrefix,
  scratchSchema,
} from './services'
import { type DemoStore, openDemoStore, SEED_USERS } from './store'

const MEMORY = { kind: 'sqlite', path: ':memory:' } as const

/** The seed users, as a store answers them. */
async function expectSeedUsers({ users }: DemoStore) {
  expect(await users.getUser('id', 1)).toMatchObject({ username: 'alice', isActive: true })
  expect(await users.getUser('id', 2)).toMatchObject({ username: 'bob', isActive: false })
  expect(await users.getUser('id', 3)).toMatchObject({ username: 'admin', isStaff: true })
  expect(await users.authenticate({ username: 'alice', password: 'alice-password' })).toEqual(
    expect.objectContaining({ id: 1 }),
  )
}

describe('openDemoStore on SQLite', () => {
  const dirs: string[] = []
  afterEach(() => {
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true })
  })

  it('creates the folder, seeds an empty database once, and keeps what was added', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'demo-store-'))
    dirs.push(dir)
    const path = join(dir, 'nested', 'folder', 'demo.sqlite3')

    const first = await openDemoStore({ kind: 'sqlite', path })
    expect(first.seeded).toBe(true)
    expect(first.description).toBe(`sqlite:${path}`)
    await expectSeedUsers(first)
    await first.users.createUser({ username: 'carol', password: 'carol-password' })
    await first.close()

    const second = await openDemoStore({ kind: 'sqlite', path })
    expect(second.seeded).toBe(false)
    expect(await second.users.getUser('username', 'carol')).toMatchObject({ id: 4 })
    await second.close()
  })

  it('seeds the three users of the contract', () => {
    expect(SEED_USERS.map((u) => [u.id, u.username])).toEqual([
      [1, 'alice'],
      [2, 'bob'],
      [3, 'admin'],
    ])
  })
})

describe('openDemoStore, a service it cannot reach', () => {
  it('is a DemoConfigError naming it, with the password left out', async () => {
    const { database, redis } = readConfig({
      DATABASE_URL: 'postgres://demo:hunter2@127.0.0.1:1/demo?schema=app',
      REDIS_URL: 'redis://:hunter2@127.0.0.1:1/0',
    })
    const opening = openDemoStore(database, null)
    await expect(opening).rejects.toThrow(DemoConfigError)
    await expect(opening).rejects.toThrow(
      /^DATABASE_URL: cannot open PostgreSQL at postgres:\/\/demo:\*\*\*@127\.0\.0\.1:1\/demo \(schema app\): .*ECONNREFUSED/,
    )
    const connecting = openDemoStore(MEMORY, redis)
    await expect(connecting).rejects.toThrow(
      /^REDIS_URL: cannot connect to Redis at redis:\/\/:\*\*\*@127\.0\.0\.1:1\/0: .*ECONNREFUSED/,
    )
    for (const attempt of [opening, connecting]) {
      await expect(attempt).rejects.not.toThrow(/hunter2/)
    }
  })
})

const postgres = await requirePostgres()

describe.runIf(postgres)('openDemoStore on PostgreSQL', () => {
  const scratch = scratchSchema('demo_store')
  afterAll(() => scratch.drop())

  it('seeds once when two processes start at once on a new schema', async () => {
    const { database } = readConfig({ DATABASE_URL: scratch.databaseUrl })
    // Two pools, as two processes would have.
    const stores = await Promise.all([openDemoStore(database), openDemoStore(database)])
    try {
      expect(stores.some((store) => store.seeded)).toBe(true)
      for (const store of stores) {
        expect(store.description).toBe(
          `PostgreSQL at postgres://postgres@127.0.0.1:5432/test (schema ${scratch.schema})`,
        )
        await expectSeedUsers(store)
      }
      // One set of users, and the id sequence past the seeds'.
      const [first] = stores as [DemoStore, DemoStore]
      expect(await first.users.createUser({ username: 'carol', password: 'pw' })).toMatchObject({
        id: 4,
      })
    } finally {
      await Promise.all(stores.map((store) => store.close()))
    }
    const again = await openDemoStore(database)
    expect(again.seeded).toBe(false)
    await again.close()
  })
})

const redis = await requireRedis()

describe.runIf(redis)('openDemoStore with REDIS_URL', () => {
  let scratch: ScratchPrefix | undefined
  afterAll(async () => {
    await scratch?.clear()
  })

  it('keeps the tokens in Redis, under the prefix, and the users in the database', async () => {
    scratch = scratchPrefix('demo_store')
    const { redis } = readConfig({ REDIS_URL: scratch.redisUrl })
    const store = await openDemoStore(MEMORY, redis)
    try {
      expect(store.description).toBe(
        `users in sqlite::memory:, tokens in redis://127.0.0.1:6379 (prefix '${scratch.prefix}')`,
      )
      await expectSeedUsers(store)
      const expiresAt = new Date(Date.now() + 60_000)
      const token = { jti: 'j1', userId: 1, tokenDigest: 'd', createdAt: null, expiresAt }
      expect(await store.tokens.blacklist(token, new Date())).toBe(true)
      expect(await store.tokens.isBlacklisted('j1')).toBe(true)
    } finally {
      await store.close()
    }
    expect(await scratch.clear()).toBeGreaterThan(0)
  })
})
