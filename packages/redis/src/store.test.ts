import { execFile } from 'node:child_process'
import { randomUUID } from 'node:crypto'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import {
  ConfigurationError,
  createSimpleJWT,
  MemoryUserStore,
  type OutstandingToken,
} from '@simplejwt/core'
import { requireService, runTokenStoreSuite } from '@simplejwt/store-tests'
import { Redis } from 'ioredis'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ownRedis, sleep } from './server.fixture'
import { connectRedisTokenStore, RedisTokenStore } from './store'

const SHARED = 'redis://127.0.0.1:6379'
/** Every key of this run starts with it; they are all deleted at the end. */
const RUN = `simplejwt-test:${randomUUID()}:`
let prefixes = 0
const newPrefix = () => `${RUN}${++prefixes}:`

let shared: RedisTokenStore | undefined
const available = await requireService(`Redis at ${SHARED}`, async () => {
  shared = await connectRedisTokenStore({ url: SHARED, prefix: RUN })
})
const client = (): Redis => {
  if (shared === undefined) throw new Error('no Redis')
  return shared.client
}

afterAll(async () => {
  if (shared === undefined) return
  const keys: string[] = []
  let cursor = '0'
  do {
    const [next, found] = await client().scan(cursor, 'MATCH', `${RUN}*`, 'COUNT', 1000)
    cursor = next
    keys.push(...found)
  } while (cursor !== '0')
  if (keys.length > 0) await client().del(...keys)
  await shared.close()
})

const HOUR = 3_600_000
const token = (jti: string, expiresAt = new Date(Date.now() + HOUR)): OutstandingToken => ({
  jti,
  userId: 1,
  tokenDigest: 'a'.repeat(64),
  createdAt: null,
  expiresAt,
})

describe.runIf(available)('with Redis', () => {
  runTokenStoreSuite(
    'RedisTokenStore',
    async ({ now }) => {
      const store = new RedisTokenStore(client(), {
        prefix: newPrefix(),
        clock: () => now.getTime(),
        leeway: 0,
      })
      return {
        store,
        outstanding: (jti) => store.outstanding(jti),
        remainingLife: (kind, id) => store.remainingLife(kind, id),
        close: async () => {},
      }
    },
    { expiry: 'ttl' },
  )

  describe('RedisTokenStore', () => {
    it('keeps digests and times under its prefix, never the token', async () => {
      const prefix = newPrefix()
      const store = new RedisTokenStore(client(), { prefix })
      const raw = 'eyJhbGciOiJIUzI1NiJ9.eyJqdGkiOiJ4In0.c2ln'
      const record = { ...token('x'), userId: 'u-1', createdAt: new Date(Date.now() - 1000) }
      await store.blacklist(record, new Date())
      const keys = (await client().keys(`${prefix}*`)).sort()
      expect(keys).toEqual([
        `${prefix}blacklisted:x`,
        `${prefix}token:x`,
        `${prefix}user-tokens:u-1`,
      ])
      expect(await client().hgetall(`${prefix}token:x`)).toEqual({
        u: '"u-1"',
        d: 'a'.repeat(64),
        c: String(record.createdAt.getTime()),
        e: String(record.expiresAt.getTime()),
      })
      for (const key of keys) expect(JSON.stringify(await client().dump(key))).not.toContain(raw)
    })

    it("expires each entry with its token's remaining life, plus the leeway", async () => {
      const store = new RedisTokenStore(client(), { prefix: newPrefix(), leeway: 0 })
      const soon = new Date(Date.now() + 1200)
      await store.blacklist(token('short', soon), new Date())
      await store.revokeFamily('short-family', new Date(), soon)
      await store.revokeUser(1, new Date(), soon)
      expect(await store.isBlacklisted('short')).toBe(true)
      expect(await store.isFamilyRevoked('short-family')).toBe(true)
      await sleep(1500)
      expect(await store.isBlacklisted('short')).toBe(false)
      expect(await store.outstanding('short')).toBeUndefined()
      expect(await store.isFamilyRevoked('short-family')).toBe(false)
      expect(await store.userRevokedAt(1)).toBeNull()

      const lenient = new RedisTokenStore(client(), { prefix: newPrefix(), leeway: 30 })
      await lenient.addOutstanding(token('lenient', new Date(Date.now() + 1000)))
      expect(await lenient.remainingLife('token', 'lenient')).toBeGreaterThan(30_000)
    })

    it("prunes a user's index of tokens that have expired", async () => {
      const prefix = newPrefix()
      let now = Date.now()
      const store = new RedisTokenStore(client(), { prefix, leeway: 0, clock: () => now })
      await store.addOutstanding(token('old', new Date(now + 1000)))
      now += 5000
      await store.addOutstanding(token('new', new Date(now + HOUR)))
      expect(await client().zrange(`${prefix}user-tokens:1`, 0, -1)).toEqual(['new'])
    })

    it('lets exactly one of 50 blacklist attempts win across two processes', async () => {
      const prefix = newPrefix()
      const fixture = fileURLToPath(new URL('./race.fixture.ts', import.meta.url))
      const startAt = Date.now() + 2000
      const runs = await Promise.all(
        Array.from({ length: 2 }, () =>
          promisify(execFile)(process.execPath, [
            '--import',
            'tsx',
            fixture,
            SHARED,
            prefix,
            String(startAt),
            '25',
            'raced',
          ]),
        ),
      )
      const wins = runs.map(({ stdout }) => Number(stdout))
      expect(wins.reduce((a, b) => a + b, 0)).toBe(1)
      const store = new RedisTokenStore(client(), { prefix })
      expect(await store.isBlacklisted('raced')).toBe(true)
    })

    it('checks its options', () => {
      expect(() => new RedisTokenStore(client(), { leeway: -1 })).toThrow(ConfigurationError)
      const prefixed = new Redis(SHARED, { keyPrefix: 'app:', lazyConnect: true })
      expect(() => new RedisTokenStore(prefixed)).toThrow(/keyPrefix/)
      prefixed.disconnect()
    })

    it('refuses a connection that does not come up, within the connect timeout', async () => {
      const started = Date.now()
      await expect(
        connectRedisTokenStore({ url: 'redis://127.0.0.1:6391', redis: { connectTimeout: 500 } }),
      ).rejects.toThrow()
      expect(Date.now() - started).toBeLessThan(3000)
    })
  })

  describe('with createSimpleJWT', () => {
    let users: MemoryUserStore
    beforeAll(async () => {
      users = await MemoryUserStore.create([{ id: 1, username: 'alice', password: 'alice-pw' }])
    })
    const headers = { 'content-type': 'application/json' }

    async function setup(store: RedisTokenStore) {
      return createSimpleJWT({
        settings: {
          SIGNING_KEY: 'redis-test-signing-key-0123456789abcdef',
          ROTATE_REFRESH_TOKENS: true,
          BLACKLIST_AFTER_ROTATION: true,
          REFRESH_TOKEN_REUSE_DETECTION: true,
        },
        users,
        tokens: store,
      })
    }

    it('rotates once, detects reuse and logs out everywhere', async () => {
      const store = new RedisTokenStore(client(), { prefix: newPrefix() })
      const sjwt = await setup(store)
      const login = async () =>
        (
          await sjwt.obtainTokenPair({
            headers,
            body: { username: 'alice', password: 'alice-pw' },
          })
        ).body as { refresh: string; access: string }
      const refresh = (value: string) => sjwt.refreshToken({ headers, body: { refresh: value } })

      const first = await login()
      const results = await Promise.all(Array.from({ length: 20 }, () => refresh(first.refresh)))
      expect(results.filter((r) => r.status === 200)).toHaveLength(1)
      expect(results.filter((r) => r.status === 401)).toHaveLength(19)
      const rotated = (results.find((r) => r.status === 200)?.body ?? {}) as { refresh: string }
      // Reuse was detected: the winner's new token is of a revoked family.
      expect((await refresh(rotated.refresh)).status).toBe(401)

      const second = await login()
      const logout = await sjwt.logoutEverywhere({
        headers: { authorization: `Bearer ${second.access}` },
      })
      expect(logout.status).toBe(200)
      expect(await refresh(second.refresh)).toMatchObject({
        status: 401,
        body: { detail: 'Token is blacklisted' },
      })
      expect(
        (await sjwt.authenticate({ headers: { authorization: `Bearer ${second.access}` } })).status,
      ).toBe('failed')
    })
  })
})

const server = await requireService('redis-server (the Redis binary)', () =>
  promisify(execFile)('redis-server', ['--version']),
)

describe.runIf(available && server)('when Redis goes away', () => {
  const own = ownRedis(6390)
  beforeAll(() => own.start())
  afterAll(() => own.dispose())

  it('answers 503 at once, nothing let through, and recovers by itself', async () => {
    const store = await connectRedisTokenStore({ url: own.url })
    const users = await MemoryUserStore.create([{ id: 1, username: 'alice', password: 'pw' }])
    const sjwt = await createSimpleJWT({
      settings: {
        SIGNING_KEY: 'redis-outage-signing-key-0123456789abcdef',
        ROTATE_REFRESH_TOKENS: true,
        BLACKLIST_AFTER_ROTATION: true,
      },
      users,
      tokens: store,
    })
    const headers = { 'content-type': 'application/json' }
    const obtained = await sjwt.obtainTokenPair({
      headers,
      body: { username: 'alice', password: 'pw' },
    })
    expect(obtained.status).toBe(200)
    const { refresh } = obtained.body as { refresh: string }

    await own.stop()
    const started = Date.now()
    const refused = await sjwt.refreshToken({ headers, body: { refresh } })
    expect(refused).toMatchObject({
      status: 503,
      body: {
        detail: 'Service temporarily unavailable, try again later.',
        code: 'store_unavailable',
      },
    })
    const login = await sjwt.obtainTokenPair({
      headers,
      body: { username: 'alice', password: 'pw' },
    })
    expect(login.status).toBe(503) // the refresh token could not be recorded
    expect(Date.now() - started).toBeLessThan(2500)

    await own.start()
    // The connection is retried at most a second apart.
    let recovered: Awaited<ReturnType<typeof sjwt.refreshToken>> | undefined
    for (let i = 0; i < 50; i++) {
      const again = await sjwt.obtainTokenPair({
        headers,
        body: { username: 'alice', password: 'pw' },
      })
      if (again.status === 200) {
        const { refresh: fresh } = again.body as { refresh: string }
        recovered = await sjwt.refreshToken({ headers, body: { refresh: fresh } })
        break
      }
      await sleep(200)
    }
    expect(recovered?.status).toBe(200)
    await store.close()
  })

  it('answers 503 within the command timeout when Redis hangs', async () => {
    const store = await connectRedisTokenStore({ url: own.url })
    const sjwt = await createSimpleJWT({
      settings: { SIGNING_KEY: 'redis-outage-signing-key-0123456789abcdef' },
      tokens: store,
    })
    const refresh = await (await sjwt.RefreshToken.forUser({ id: 1 })).sign()
    const hung = own.hang(4)
    await sleep(100)
    const started = Date.now()
    const response = await sjwt.refreshToken({ headers: {}, body: { refresh } })
    expect(response).toMatchObject({ status: 503, body: { code: 'store_unavailable' } })
    expect(Date.now() - started).toBeLessThan(3000)
    await hung
    expect((await sjwt.refreshToken({ headers: {}, body: { refresh } })).status).toBe(200)
    await store.close()
  })
})
