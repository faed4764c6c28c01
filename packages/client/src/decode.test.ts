import { describe, expect, it } from 'vitest'
import { jwt } from '../test/fake-server'
import { decodeToken } from './decode'
import { InvalidTokenError } from './errors'

describe('decodeToken', () => {
  it('reads header, payload, exp and iat as dates, and whether it expired', () => {
    const token = jwt({ token_type: 'access', exp: 1_700_000_300, iat: 1_700_000_000, user_id: 1 })
    const decoded = decodeToken(token, { now: new Date(1_700_000_100_000) })
    expect(decoded.header).toEqual({ alg: 'HS256', typ: 'JWT' })
    expect(decoded.payload).toMatchObject({ token_type: 'access', user_id: 1 })
    expect(decoded.expiresAt).toEqual(new Date(1_700_000_300_000))
    expect(decoded.issuedAt).toEqual(new Date(1_700_000_000_000))
    expect(decoded.expired).toBe(false)
    expect(decodeToken(token, { now: 1_700_000_300_000 }).expired).toBe(true)
    expect(decodeToken(jwt({})).expiresAt).toBeNull()
  })

  it('reads non-ASCII claims as UTF-8', () => {
    expect(decodeToken(jwt({ name: 'Zoë 土' })).payload['name']).toBe('Zoë 土')
  })

  const bad: [string, unknown][] = [
    ['not a string', 42],
    ['two segments', 'a.b'],
    ['not base64url', 'a.b+c.d'],
    ['not JSON', `${btoa('{}')}.${btoa('nope')}.sig`],
    ['an array payload', `${btoa('{}')}.${btoa('[1]')}.sig`],
    ['a string exp', jwt({ exp: '1700000000' })],
    ['a null iat', jwt({ iat: null })],
    ['an infinite nbf', `${btoa('{}')}.${btoa('{"nbf": 1e400}')}.sig`],
  ]
  for (const [what, token] of bad) {
    it(`throws InvalidTokenError for ${what}, without the token in the message`, () => {
      let error: unknown
      try {
        decodeToken(token as string)
      } catch (e) {
        error = e
      }
      expect(error).toBeInstanceOf(InvalidTokenError)
      expect((error as InvalidTokenError).code).toBe('invalid_token')
      if (typeof token === 'string') expect((error as Error).message).not.toContain(token)
    })
  }
})
