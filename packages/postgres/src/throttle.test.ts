import { createSimpleJWT, createThrottle, StoreUnavailableError } from '@simplejwt/core'
import { requireService, runThrottleStoreSuite } from '@simplejwt/store-tests'
import { afterAll, describe, expect, it } from 'vitest'
import { DATABASE_URL, dropRunSchemas, newSchema, probe, proxy } from './database.fixture'
import { openPostgresStore, type PostgresStore } from './store'

const available = await requireService(`PostgreSQL at ${DATABASE_URL}`, probe)

const opened: PostgresStore[] = []
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

describe.runIf(available)('with PostgreSQL', () => {
  runThrottleStoreSuite('PostgresThrottleStore', async () => {
    const { throttle, schema } = await open()
    return {
      store: throttle,
      // Its own pool on the same schema, as another server of the application would have.
      instance: async () => (await open({ schema })).throttle,
      close: async () => {},
    }
  })

  describe('PostgresThrottleStore', () => {
    it('deletes expired histories on flushExpired, and only those', async () => {
      const { throttle, pool, schema } = await open()
      const rate = { numRequests: 5, duration: 60 }
      await throttle.hit('throttle_login_a', 1000, rate)
      await throttle.hit('throttle_login_b', 1030, rate)
      expect(await throttle.flushExpired(new Date(1060_000))).toBe(1)
      const { rows } = await pool.query(`SELECT key FROM "${schema}".throttle_histories`)
      expect(rows).toEqual([{ key: 'throttle_login_b' }])
      // An expired history counts as empty even before it is flushed.
      const one = { numRequests: 1, duration: 60 }
      expect(await throttle.hit('throttle_login_b', 1090, one)).toEqual({ allowed: true })
    })

    it('fails closed: with the database away, the throttle answers StoreUnavailableError (503)', async () => {
      const schema = newSchema()
      await open({ schema })
      const cut = await proxy()
      const store = await open({ schema, connectionString: cut.url })
      const { settings } = await createSimpleJWT({
        settings: {
          SIGNING_KEY: 'postgres-throttle-secret-long-enough-for-hs256',
          THROTTLE_RATES: { login: '5/min', login_user: '10/hour' },
        },
      })
      const throttle = createThrottle(settings, store.throttle)
      expect(await throttle.check({ clientAddress: '198.51.100.7', username: 'alice' })).toEqual({
        allowed: true,
      })
      await cut.cut()
      const started = Date.now()
      await expect(
        throttle.check({ clientAddress: '198.51.100.7', username: 'alice' }),
      ).rejects.toBeInstanceOf(StoreUnavailableError)
      expect(Date.now() - started).toBeLessThan(3000)
      await cut.start()
      expect((await throttle.check({ clientAddress: '198.51.100.7' })).allowed).toBe(true)
    })
  })
})
