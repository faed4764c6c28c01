/**
 * Fail closed: while the store of a demo app cannot be reached (Redis killed or hung, PostgreSQL
 * cut off), every request that needs it is refused with 503 `store_unavailable`, within seconds,
 * and nothing is let through; once the store is back, the app works again without a restart.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import {
  type DemoProcess,
  requirePostgres,
  type ScratchSchema,
  scratchSchema,
  startDemoProcess,
} from '@simplejwt/demo-support/testing'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  ALICE,
  appDir,
  BLACKLISTED,
  Client,
  type Pair,
  type Reply,
  ROTATION,
  SECRET_KEY,
  STORE_UNAVAILABLE,
  sleep,
} from './http'
import { type OwnRedis, ownRedis, requireRedisServer, type TcpProxy, tcpProxy } from './services'

/** A call to the store fails within about two seconds (the stores' FAIL_FAST options). */
const FAIL_FAST_MS = 3_500

/** Every route that needs the store, as one client would call them during an outage. */
async function routesNeedingTheStore(c: Client, blacklisted: Pair, pair: Pair) {
  const requests: Record<string, () => Promise<Reply>> = {
    'refresh, a blacklisted token': () => c.refresh(blacklisted.refresh),
    refresh: () => c.refresh(pair.refresh),
    blacklist: () => c.blacklist(pair.refresh),
    'verify, a blacklisted token': () =>
      c.post('/api/token/verify/', { token: blacklisted.refresh }),
    'obtain a pair': () => c.post('/api/token/', ALICE),
    'obtain a sliding token': () => c.post('/api/token/sliding/', ALICE),
    'protected view': () => c.view(pair.access),
    'admin-only view': () => c.get('/api/admin-only-view/', pair.access),
    'logout everywhere': () => c.post('/api/logout-everywhere/', {}, pair.access),
    'change password': () =>
      c.post('/api/change-password/', { old_password: 'x', new_password: 'y' }, pair.access),
    'sign up': () => c.post('/api/register/', { username: `u${Date.now()}`, password: 'pw' }),
  }
  const answers: Record<string, { status: number; body: unknown }> = {}
  let slowest = 0
  for (const [name, request] of Object.entries(requests)) {
    const started = Date.now()
    const { status, body } = await request()
    slowest = Math.max(slowest, Date.now() - started)
    answers[name] = { status, body }
  }
  return { answers, slowest }
}

function expectAllRefused(answers: Record<string, { status: number; body: unknown }>) {
  const refused = Object.fromEntries(
    Object.keys(answers).map((name) => [name, { status: 503, body: STORE_UNAVAILABLE }]),
  )
  expect(answers).toEqual(refused)
}

/** Polls until `ready` resolves true (the store is back), failing after `ms`. */
async function until(ready: () => Promise<boolean>, ms: number): Promise<number> {
  const started = Date.now()
  while (!(await ready())) {
    if (Date.now() - started > ms) throw new Error(`not back within ${ms / 1000} s`)
    await sleep(100)
  }
  return Date.now() - started
}

const redisServer = await requireRedisServer()

describe.runIf(redisServer)('express-demo with REDIS_URL, Redis away and back', () => {
  const dir = mkdtempSync(join(tmpdir(), 'fail-closed-redis-'))
  let redis: OwnRedis | undefined
  let app: DemoProcess | undefined
  beforeAll(async () => {
    redis = await ownRedis()
    await redis.start()
    app = await startDemoProcess(appDir('express'), {
      DATABASE_URL: `sqlite:${join(dir, 'demo.sqlite3')}`,
      REDIS_URL: `${redis.url}?prefix=fail-closed:`,
      SECRET_KEY,
      SIMPLE_JWT_JSON: JSON.stringify(ROTATION),
    })
  })
  afterAll(async () => {
    await app?.stop()
    await redis?.dispose()
    rmSync(dir, { recursive: true, force: true })
  })
  const running = () => {
    if (app === undefined || redis === undefined) throw new Error('the app did not start')
    return { app, redis, c: new Client(app.url) }
  }

  it('answers 503 to everything that needs Redis while it is down, and recovers by itself', async () => {
    const { app, redis, c } = running()
    const blacklisted = await c.login()
    expect((await c.blacklist(blacklisted.refresh)).status).toBe(200)
    const pair = await c.login()

    await redis.stop()
    const { answers, slowest } = await routesNeedingTheStore(c, blacklisted, pair)
    expectAllRefused(answers)
    expect(slowest).toBeLessThan(FAIL_FAST_MS)
    // Stateless authentication of an access token asks no store (see the core's README).
    expect((await c.get('/api/stateless-view/', pair.access)).status).toBe(200)

    await redis.start()
    const verify = () => c.post('/api/token/verify/', { token: pair.refresh })
    const recovery = await until(async () => (await verify()).status === 200, 10_000)
    console.log(
      `Redis down: ${Object.keys(answers).length} routes answered 503 (slowest ${slowest} ms); ` +
        `back ${recovery} ms after Redis restarted`,
    )
    // The blacklist Redis kept is in force again; the rest works as before the outage.
    expect(await c.refresh(blacklisted.refresh)).toEqual({ status: 401, body: BLACKLISTED })
    expect((await c.refresh(pair.refresh)).status).toBe(200)
    expect((await c.view((await c.login()).access)).status).toBe(200)
    expect(app.output()).toMatch(
      /Redis at redis:\/\/127\.0\.0\.1:\d+ cannot be reached \(.+\): refusing with 503 until it is back\n/,
    )
    expect(app.output()).toMatch(/Redis at redis:\/\/127\.0\.0\.1:\d+ is back\n/)
  })

  it('answers 503 within seconds while Redis hangs, and works once it answers again', async () => {
    const { redis, c } = running()
    const pair = await c.login()
    await redis.pause(4_000)
    const started = Date.now()
    const replies = await Promise.all([c.refresh(pair.refresh), c.view(pair.access)])
    const waited = Date.now() - started
    expect(replies).toEqual([
      { status: 503, body: STORE_UNAVAILABLE },
      { status: 503, body: STORE_UNAVAILABLE },
    ])
    expect(waited).toBeLessThan(FAIL_FAST_MS)
    await until(async () => (await c.view(pair.access)).status === 200, 10_000)
    expect((await c.refresh(pair.refresh)).status).toBe(200)
    console.log(`Redis hung: refused with 503 after ${waited} ms`)
  })
})

const postgres = await requirePostgres()

describe.runIf(postgres)('express-demo on PostgreSQL, the database away and back', () => {
  let proxy: TcpProxy | undefined
  let scratch: ScratchSchema | undefined
  let app: DemoProcess | undefined
  beforeAll(async () => {
    proxy = await tcpProxy(5432)
    scratch = scratchSchema('fail_closed')
    app = await startDemoProcess(appDir('express'), {
      DATABASE_URL: `postgres://postgres@127.0.0.1:${proxy.port}/test?schema=${scratch.schema}`,
      SECRET_KEY,
      SIMPLE_JWT_JSON: JSON.stringify(ROTATION),
    })
  })
  afterAll(async () => {
    await app?.stop()
    await proxy?.close()
    await scratch?.drop()
  })

  it('answers 503 to everything that needs the database while it is away, and recovers by itself', async () => {
    if (app === undefined || proxy === undefined) throw new Error('the app did not start')
    const c = new Client(app.url)
    const blacklisted = await c.login()
    expect((await c.blacklist(blacklisted.refresh)).status).toBe(200)
    const pair = await c.login()

    await proxy.cut()
    const { answers, slowest } = await routesNeedingTheStore(c, blacklisted, pair)
    expectAllRefused(answers)
    expect(slowest).toBeLessThan(FAIL_FAST_MS)

    await proxy.restore()
    const verify = () => c.post('/api/token/verify/', { token: pair.refresh })
    const recovery = await until(async () => (await verify()).status === 200, 10_000)
    console.log(
      `PostgreSQL away: ${Object.keys(answers).length} routes answered 503 (slowest ${slowest} ms); ` +
        `back ${recovery} ms after it returned`,
    )
    expect(await c.refresh(blacklisted.refresh)).toEqual({ status: 401, body: BLACKLISTED })
    expect((await c.refresh(pair.refresh)).status).toBe(200)
    expect((await c.view((await c.login()).access)).status).toBe(200)
  })
})
