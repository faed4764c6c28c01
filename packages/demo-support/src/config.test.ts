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
      databasePath: './data/demo.sqlite3',
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
    expect(readConfig({ DATABASE_URL: 'sqlite:/tmp/x.sqlite3' }).databasePath).toBe(
      '/tmp/x.sqlite3',
    )
    expect(readConfig({ DATABASE_URL: 'sqlite:db/x.sqlite3' }).databasePath).toBe('db/x.sqlite3')
    expect(readConfig({ DATABASE_URL: 'sqlite:///tmp/x.sqlite3' }).databasePath).toBe(
      '/tmp/x.sqlite3',
    )
    expect(readConfig({ DATABASE_URL: 'sqlite::memory:' }).databasePath).toBe(':memory:')
  })

  it('refuses PostgreSQL and Redis with a message that does not repeat the URL', () => {
    const url = 'postgres://user:hunter2@db.example/app'
    expect(() => readConfig({ DATABASE_URL: url })).toThrow(/supports sqlite only for now/)
    expect(() => readConfig({ DATABASE_URL: url })).not.toThrow(/hunter2/)
    expect(() => readConfig({ DATABASE_URL: 'postgresql://db/app' })).toThrow(DemoConfigError)
    expect(() => readConfig({ REDIS_URL: 'redis://127.0.0.1:6379' })).toThrow(
      /REDIS_URL is set, but this demo build supports sqlite only for now/,
    )
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
