import { execFile } from 'node:child_process'
import { randomUUID } from 'node:crypto'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import {
  ConfigurationError,
  createSimpleJWT,
  createThrottle,
  StoreUnavailableError,
} from '@simplejwt/core'
import { requireService, runThrottleStoreSuite } from '@simplejwt/store-tests'
import { Redis } from 'ioredis'
import { afterAll, describe, expect, it } from 'vitest'
import { connectRedisTokenStore, FAIL_FAST, type RedisTokenStore } from './store'
import { RedisThrottleStore } from './throttle'

const SHARED = 'redis://127.0.0.1:6379'
/** Every key of this run starts with it; they are all deleted at the end. */
const RUN = `simplejwt-throttle-test:${randomUUID()}:`

let shared: RedisTokenStore | undefined
const available = await requireService(`Redis at ${SHARED}`, async () => {
  shared = await connectRedisTokenStore({ url: SHARED, prefix: RUN })
})
const client = (): Redis => {
  if (shared === undefined) throw new Error('no Redis')
  return shared.client
}
const opened: Redis[] = []

afterAll(async () => {
  for (const c of opened) c.disconnect()
  if (shared === undefined) return
  const keys = await client().keys(`${RUN}*`)
  if (keys.length > 0) await client().del(...keys)
  await shared.close()
})

const settingsWith = async (rates: Record<string, string>) =>
  (
    await createSimpleJWT({
      settings: {
        SIGNING_KEY: 'redis-throttle-secret-long-enough-for-hs256',
        THROTTLE_RATES: rates,
      },
    })
  ).settings

describe.runIf(available)('with Redis', () => {
  runThrottleStoreSuite('RedisThrottleStore', async () => ({
    store: new RedisThrottleStore(client(), { prefix: RUN }),
    instance: async () => {
      // Its own connection, as another server of the application would have.
      const other = new Redis(SHARED, { ...FAIL_FAST, lazyConnect: true })
      opened.push(other)
      await other.connect()
      return new RedisThrottleStore(other, { prefix: RUN })
    },
    close: async () => {},
  }))

  describe('RedisThrottleStore', () => {
    it('keeps a history as long as its rate’s duration, under the prefix', async () => {
      const store = new RedisThrottleStore(client(), { prefix: RUN })
      await store.hit('throttle_login_ttl', Date.now() / 1000, { numRequests: 5, duration: 60 })
      const ttl = await client().pttl(`${RUN}throttle_login_ttl`)
      expect(ttl).toBeGreaterThan(55_000)
      expect(ttl).toBeLessThanOrEqual(60_000)
    })

    it('sends its script again after Redis forgot it', async () => {
      const store = new RedisThrottleStore(client(), { prefix: RUN })
      await client().script('FLUSH')
      const hit = await store.hit('throttle_login_flushed', 1000, { numRequests: 1, duration: 60 })
      expect(hit).toEqual({ allowed: true })
    })

    it('lets 4 application processes behind one Redis allow exactly the rate between them', async () => {
      const fixture = fileURLToPath(new URL('./throttle-race.fixture.ts', import.meta.url))
      const prefix = `${RUN}race:`
      const startAt = Date.now() + 2500
      const runs = await Promise.all(
        Array.from({ length: 4 }, () =>
          promisify(execFile)(process.execPath, [
            '--import',
            'tsx',
            fixture,
            SHARED,
            prefix,
            String(startAt),
            '25',
            '30/min',
          ]),
        ),
      )
      const allowed = runs.map(({ stdout }) => Number(stdout))
      expect(allowed.reduce((a, b) => a + b, 0)).toBe(30)
    })

    it('fails closed: with Redis away, the throttle answers StoreUnavailableError (503)', async () => {
      // A port nothing listens on; the fail-fast options make the call fail at once.
      const away = new Redis('redis://127.0.0.1:1', { ...FAIL_FAST, lazyConnect: true })
      away.on('error', () => {})
      opened.push(away)
      const throttle = createThrottle(
        await settingsWith({ login: '5/min' }),
        new RedisThrottleStore(away),
      )
      await expect(throttle.check({ clientAddress: '198.51.100.7' })).rejects.toBeInstanceOf(
        StoreUnavailableError,
      )
    })

    it('checks its options', () => {
      const prefixed = new Redis(SHARED, { keyPrefix: 'app:', lazyConnect: true })
      opened.push(prefixed)
      expect(() => new RedisThrottleStore(prefixed)).toThrow(ConfigurationError)
    })
  })
})
