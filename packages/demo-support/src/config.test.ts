import { describe, expect, it } from 'vitest'
import { DEVELOPMENT_SECRET_KEY, DemoConfigError, readConfig } from './config'

describe('readConfig', () => {
  it("applies the contract's defaults", () => {
    expect(readConfig({})).toEqual({
      port: 8000,
      secretKey: DEVELOPMENT_SECRET_KEY,
      developmentKey: true,
      settings: { SIGNING_KEY: DEVELOPMENT_SECRET_KEY },
      signsWithSecretKey: true,
      database: { kind: 'sqlite', path: './data/demo.sqlite3' },
      redis: null,
    })
  })

  it('signs with SECRET_KEY unless SIMPLE_JWT_JSON names a SIGNING_KEY', () => {
    const secret = 'a-secret-of-my-own-0123456789abcdef'
    expect(readConfig({ SECRET_KEY: secret })).toMatchObject({
      secretKey: secret,
      developmentKey: false,
      settings: { SIGNING_KEY: secret },
    })
    const settings = { ALGORITHM: 'HS512', SIGNING_KEY: 'k'.repeat(64), LEEWAY: 30 }
    expect(
      readConfig({ SECRET_KEY: secret, SIMPLE_JWT_JSON: JSON.stringify(settings) }),
    ).toMatchObject({ settings, signsWithSecretKey: false })
  })

  it("passes simplejwt's own setting names through, lifetimes in seconds", () => {
    const json = '{"ROTATE_REFRESH_TOKENS": true, "ACCESS_TOKEN_LIFETIME": 60}'
    expect(readConfig({ SIMPLE_JWT_JSON: json }).settings).toEqual({
      SIGNING_KEY: DEVELOPMENT_SECRET_KEY,
      ROTATE_REFRESH_TOKENS: true,
      ACCESS_TOKEN_LIFETIME: 60,
    })
  })

  it('reads PORT, 0 included', () => {
    expect(readConfig({ PORT: '8095' }).port).toBe(8095)
    expect(readConfig({ PORT: '0' }).port).toBe(0)
    for (const port of ['-1', '65536', '80a', ' 80', '1e3']) {
      expect(() => readConfig({ PORT: port })).toThrow(DemoConfigError)
    }
  })

  it('reads sqlite:PATH, relative, absolute or in URL form', () => {
    const path = (url: string) => readConfig({ DATABASE_URL: url }).database
    expect(path('sqlite:/tmp/x.sqlite3')).toEqual({ kind: 'sqlite', path: '/tmp/x.sqlite3' })
    expect(path('sqlite:db/x.sqlite3')).toEqual({ kind: 'sqlite', path: 'db/x.sqlite3' })
    expect(path('sqlite:///tmp/x.sqlite3')).toEqual({ kind: 'sqlite', path: '/tmp/x.sqlite3' })
    expect(path('sqlite::memory:')).toEqual({ kind: 'sqlite', path: ':memory:' })
  })

  it('reads a PostgreSQL URL, its ?schema= taken out of what pg is given', () => {
    const url = 'postgres://demo:hunter2@db.example:5432/app'
    expect(readConfig({ DATABASE_URL: url }).database).toEqual({
      kind: 'postgres',
      connectionString: url,
      schema: 'public',
      display: 'postgres://demo:***@db.example:5432/app',
    })
    expect(readConfig({ DATABASE_URL: `${url}?sslmode=disable&schema=run_1` }).database).toEqual({
      kind: 'postgres',
      connectionString: `${url}?sslmode=disable`,
      schema: 'run_1',
      display: 'postgres://demo:***@db.example:5432/app?sslmode=disable',
    })
    expect(readConfig({ DATABASE_URL: 'postgresql://127.0.0.1/test?schema=s' }).database).toEqual({
      kind: 'postgres',
      connectionString: 'postgresql://127.0.0.1/test',
      schema: 's',
      display: 'postgresql://127.0.0.1/test',
    })
  })

  it('reads REDIS_URL, its ?prefix= taken out of what ioredis is given', () => {
    expect(readConfig({}).redis).toBeNull()
    expect(readConfig({ REDIS_URL: 'redis://127.0.0.1:6379' }).redis).toEqual({
      url: 'redis://127.0.0.1:6379',
      prefix: 'simplejwt:',
      display: 'redis://127.0.0.1:6379',
    })
    expect(readConfig({ REDIS_URL: 'rediss://:hunter2@cache:6380/2?prefix=demo:' }).redis).toEqual({
      url: 'rediss://:hunter2@cache:6380/2',
      prefix: 'demo:',
      display: 'rediss://:***@cache:6380/2',
    })
  })

  it('refuses bad URLs with messages that never repeat a password', () => {
    for (const env of [
      { DATABASE_URL: 'postgres://user:hunter2@db.example:99999/app' },
      { DATABASE_URL: 'postgres://user:hunter2@db/app?schema=' },
      { REDIS_URL: 'redis://:hunter2@cache:99999' },
      { REDIS_URL: 'http://:hunter2@cache' },
    ]) {
      expect(() => readConfig(env)).toThrow(DemoConfigError)
      expect(() => readConfig(env)).not.toThrow(/hunter2/)
    }
  })

  it('refuses other schemes and an empty path', () => {
    expect(() => readConfig({ DATABASE_URL: 'mysql://db/app' })).toThrow(/'mysql' scheme/)
    expect(() => readConfig({ DATABASE_URL: './demo.sqlite3' })).toThrow(DemoConfigError)
    expect(() => readConfig({ DATABASE_URL: 'sqlite:' })).toThrow(/needs a PATH/)
  })

  it('refuses SIMPLE_JWT_JSON that is not a JSON object', () => {
    expect(() => readConfig({ SIMPLE_JWT_JSON: '{"ROTATE_REFRESH_TOKENS": tru' })).toThrow(
      /SIMPLE_JWT_JSON is not valid JSON/,
    )
    for (const json of ['[]', 'null', '"HS256"', '3']) {
      expect(() => readConfig({ SIMPLE_JWT_JSON: json })).toThrow(/must be a JSON object/)
    }
  })
})
