/**
 * The demo apps as processes, beyond one run: what a restart keeps (SQLite), and the
 * configurations (and unreachable stores) they refuse to start with.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { type DemoProcess, runDemoProcess, startDemoProcess } from '@simplejwt/demo-support/testing'
import { afterAll, describe, expect, it } from 'vitest'
import { appDir, FRAMEWORKS, field, Side } from './sides'

const BLACKLISTED = { detail: 'Token is blacklisted', code: 'token_not_valid' }
const alice = { username: 'alice', password: 'alice-password' }
const carol = { username: 'carol', password: 'carol-password' }

describe.each(FRAMEWORKS)('%s-demo restarted on the same database', (framework) => {
  const dir = mkdtempSync(join(tmpdir(), `${framework}-restart-`))
  const env = {
    DATABASE_URL: `sqlite:${join(dir, 'demo.sqlite3')}`,
    SECRET_KEY: 'restart-test-secret-key-0123456789abcdef',
    SIMPLE_JWT_JSON: JSON.stringify({
      ROTATE_REFRESH_TOKENS: true,
      BLACKLIST_AFTER_ROTATION: true,
    }),
  }
  let app: DemoProcess | undefined
  afterAll(async () => {
    await app?.stop()
    rmSync(dir, { recursive: true, force: true })
  })

  it('keeps blacklisted tokens blacklisted, and signed-up users, without seeding again', async () => {
    app = await startDemoProcess(appDir(framework), env)
    expect(app.output()).toMatch(/\(seeded alice, bob, admin\)/)
    let side = new Side(framework, app.url)
    const blacklisted = field(await side.post('/api/token/', { json: alice }), 'refresh')
    expect(
      (await side.post('/api/token/blacklist/', { json: { refresh: blacklisted } })).status,
    ).toBe(200)
    const rotatedAway = field(await side.post('/api/token/', { json: alice }), 'refresh')
    const rotated = await side.post('/api/token/refresh/', { json: { refresh: rotatedAway } })
    const current = field(rotated, 'refresh')
    expect((await side.post('/api/register/', { json: carol })).status).toBe(201)
    expect(await app.stop()).toBe(0)

    app = await startDemoProcess(appDir(framework), env)
    expect(app.output()).not.toMatch(/seeded/)
    side = new Side(framework, app.url)
    for (const refresh of [blacklisted, rotatedAway]) {
      const reply = await side.post('/api/token/refresh/', { json: { refresh } })
      expect({ status: reply.status, body: reply.body }).toEqual({ status: 401, body: BLACKLISTED })
      const verified = await side.post('/api/token/verify/', { json: { token: refresh } })
      expect(verified.status).toBe(400)
    }
    expect((await side.post('/api/token/refresh/', { json: { refresh: current } })).status).toBe(
      200,
    )
    expect((await side.post('/api/token/', { json: carol })).status).toBe(200)
    expect((await side.post('/api/register/', { json: carol })).body).toEqual({
      detail: 'username taken',
    })
    expect(await app.stop()).toBe(0)
    app = undefined
  })
})

describe('the configurations the apps refuse to start with', () => {
  const dir = mkdtempSync(join(tmpdir(), 'refused-'))
  afterAll(() => rmSync(dir, { recursive: true, force: true }))
  const sqlite = `sqlite:${join(dir, 'never-created', 'demo.sqlite3')}`

  it.each(FRAMEWORKS)('%s-demo: a PostgreSQL it cannot reach, without its password', async (fw) => {
    const url = 'postgres://demo:hunter2@127.0.0.1:1/demo'
    const { code, output } = await runDemoProcess(appDir(fw), { DATABASE_URL: url })
    expect(code).toBe(1)
    expect(output).toMatch(
      /cannot open PostgreSQL at postgres:\/\/demo:\*\*\*@127\.0\.0\.1:1\/demo \(schema public\)/,
    )
    expect(output).not.toMatch(/hunter2/)
  })

  it.each([
    [
      'a Redis it cannot reach, without its password',
      { REDIS_URL: 'redis://:hunter2@127.0.0.1:1/0' },
      /cannot connect to Redis at redis:\/\/:\*\*\*@127\.0\.0\.1:1\/0/,
    ],
    ['SIMPLE_JWT_JSON that is not JSON', { SIMPLE_JWT_JSON: '{' }, /not valid JSON/],
    ['an unknown setting', { SIMPLE_JWT_JSON: '{"ROTATE": true}' }, /Unknown setting 'ROTATE'/],
    [
      'HS512 with the 36-byte development key',
      { SIMPLE_JWT_JSON: '{"ALGORITHM": "HS512"}' },
      /HS512/,
    ],
    ['a PORT that is not one', { PORT: '80000' }, /PORT must be a port number/],
  ])('express-demo: %s', async (_, env, message) => {
    const { code, output } = await runDemoProcess(appDir('express'), {
      DATABASE_URL: sqlite,
      ...env,
    })
    expect(code).toBe(1)
    expect(output).toMatch(message)
    expect(output).not.toMatch(/hunter2/)
  })
})
