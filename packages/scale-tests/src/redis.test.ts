/** Demo processes sharing one Redis for their tokens (each with its own SQLite users). */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { requireRedis, scratchPrefix } from '@simplejwt/demo-support/testing'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { BLACKLISTED, Client, ROTATION } from './http'
import { describeSharedStore, type SharedStore, startAll } from './shared-store'

const redis = await requireRedis()

function redisStore(): SharedStore {
  const scratch = scratchPrefix('scale_redis')
  const dir = mkdtempSync(join(tmpdir(), 'scale-redis-'))
  return {
    env: (name) => ({
      DATABASE_URL: `sqlite:${join(dir, `${name}.sqlite3`)}`,
      REDIS_URL: scratch.redisUrl,
    }),
    cleanUp: async () => {
      await scratch.clear()
      rmSync(dir, { recursive: true, force: true })
    },
    // Without CHECK_REVOKE_TOKEN: its hash is of the password hash, which each SQLite file salts
    // differently.
    settings: ROTATION,
  }
}

describeSharedStore('two express-demo processes sharing Redis', redis, redisStore, (running) => {
  let others: Awaited<ReturnType<typeof startAll>> = []
  beforeAll(async () => {
    others = await startAll(['hono', 'koa'], running().store, ['hono', 'koa'])
  })
  afterAll(async () => {
    await Promise.all(others.map((p) => p.stop()))
  })

  it('shares the blacklist with hono-demo and koa-demo on the same Redis', async () => {
    const { a, b } = running()
    const [hono, koa] = others.map((p) => new Client(p.url)) as [Client, Client]
    const pair = await a.login()
    expect((await hono.blacklist(pair.refresh)).status).toBe(200)
    for (const side of [koa, b, a]) {
      expect(await side.refresh(pair.refresh)).toEqual({ status: 401, body: BLACKLISTED })
    }
  })
})
