import { beforeAll, describe, expect, it } from 'vitest'
import { AuthenticationFailed, InvalidToken, StoreUnavailableError } from './errors'
import type { HeaderInput } from './lib/headers'
import { MemoryTokenStore, MemoryUserStore } from './memory'
import type { CoreResponse } from './responses'
import type { DjangoSettings } from './settings'
import { createSimpleJWT, type SimpleJWT, type SimpleJWTOptions } from './simplejwt'
import type { AuthUser, TokenStore, UserStore } from './stores'
import { AccessToken, RefreshToken, SlidingToken, type Token, TokenUser } from './tokens'

const SECRET = 'contract-secret-key-0123456789abcdef'
const T0 = Date.UTC(2030, 0, 1, 12, 0, 0)

const ALICE = { id: 1, username: 'alice' }
const BOB = { id: 2, username: 'bob' }
const ADMIN = { id: 3, username: 'admin' }

let users: MemoryUserStore

// scrypt costs tens of milliseconds per hash: one store for the whole file.
beforeAll(async () => {
  users = await MemoryUserStore.create([
    { ...ALICE, password: 'alice-password' },
    { ...BOB, password: 'bob-password', isActive: false },
    { ...ADMIN, password: 'admin-password', isStaff: true },
  ])
}, 30_000)

function setup(
  settings: DjangoSettings = {},
  options: Omit<SimpleJWTOptions, 'settings'> = {},
): Promise<SimpleJWT> {
  return createSimpleJWT({
    settings: { SIGNING_KEY: SECRET, ...settings },
    users,
    clock: () => T0,
    ...options,
  })
}

/** A signed access token for `user`, with extra claims. */
async function accessFor(
  sjwt: SimpleJWT,
  user: AuthUser,
  claims: Record<string, unknown> = {},
): Promise<string> {
  const token = await sjwt.AccessToken.forUser(user)
  for (const [claim, value] of Object.entries(claims)) token.set(claim, value)
  return token.sign()
}

const bearer = (token: string): Record<string, string> => ({ authorization: `Bearer ${token}` })

/** What `call` fails with, thrown at once or rejected later; a test failure when it succeeds. */
async function thrown(call: () => unknown): Promise<unknown> {
  try {
    await call()
  } catch (error) {
    return error
  }
  throw new Error('expected a failure')
}

/** The response of a failed authentication, or a test failure. */
async function failure(
  sjwt: SimpleJWT,
  headers: HeaderInput,
  options: { stateless?: boolean } = {},
): Promise<CoreResponse> {
  const outcome = await sjwt.authenticate({ headers }, options)
  if (outcome.status !== 'failed') throw new Error(`expected a failure, got ${outcome.status}`)
  return outcome.response
}

const BAD_HEADER = {
  detail: 'Authorization header must contain two space-delimited values',
  code: 'bad_authorization_header',
}
const NOT_PROVIDED = { detail: 'Authentication credentials were not provided.' }
const PERMISSION_DENIED = { detail: 'You do not have permission to perform this action.' }
const STORE_UNAVAILABLE = {
  detail: 'Service temporarily unavailable, try again later.',
  code: 'store_unavailable',
}

describe('rawToken (JWTAuthentication.get_header / get_raw_token)', () => {
  let sjwt: SimpleJWT
  beforeAll(async () => {
    sjwt = await setup()
  })

  it('is null without the header, with an empty one, and with another scheme', () => {
    expect(sjwt.rawToken({})).toBeNull()
    expect(sjwt.rawToken({ authorization: '' })).toBeNull()
    expect(sjwt.rawToken({ authorization: ' \t ' })).toBeNull()
    expect(sjwt.rawToken({ authorization: 'Basic dXNlcjpwYXNz' })).toBeNull()
    expect(sjwt.rawToken({ authorization: 'Basic' })).toBeNull()
    expect(sjwt.rawToken({ authorization: 'Basic a b c' })).toBeNull()
    expect(sjwt.rawToken({ authorization: undefined })).toBeNull()
  })

  it('compares the scheme case-sensitively, as simplejwt compares bytes', () => {
    expect(sjwt.rawToken({ authorization: 'bearer TokenMcTokenface' })).toBeNull()
    expect(sjwt.rawToken({ authorization: 'BEARER TokenMcTokenface' })).toBeNull()
  })

  it('returns the token after the scheme', () => {
    expect(sjwt.rawToken({ authorization: 'Bearer TokenMcTokenface' })).toBe('TokenMcTokenface')
    // Split on any ASCII whitespace, as Python's bytes.split().
    expect(sjwt.rawToken({ authorization: '  Bearer \t TokenMcTokenface  ' })).toBe(
      'TokenMcTokenface',
    )
  })

  it('finds the header whatever the case of its name, in a map or a Fetch Headers', () => {
    expect(sjwt.rawToken({ Authorization: 'Bearer abc' })).toBe('abc')
    expect(sjwt.rawToken({ AUTHORIZATION: 'Bearer abc' })).toBe('abc')
    expect(sjwt.rawToken(new Headers({ Authorization: 'Bearer abc' }))).toBe('abc')
    expect(sjwt.rawToken(new Headers())).toBeNull()
  })

  it('refuses "Bearer" alone and "Bearer a b" with bad_authorization_header', () => {
    for (const header of ['Bearer', 'Bearer ', 'Bearer a b', 'Bearer one two three']) {
      let error: unknown
      try {
        sjwt.rawToken({ authorization: header })
      } catch (e) {
        error = e
      }
      expect(error, header).toBeInstanceOf(AuthenticationFailed)
      expect((error as AuthenticationFailed).code).toBe('bad_authorization_header')
    }
  })

  it('accepts any of several AUTH_HEADER_TYPES', async () => {
    const multi = await setup({ AUTH_HEADER_TYPES: ['JWT', 'Bearer'] })
    expect(multi.rawToken({ authorization: 'JWT abc' })).toBe('abc')
    expect(multi.rawToken({ authorization: 'Bearer abc' })).toBe('abc')
    expect(multi.rawToken({ authorization: 'Token abc' })).toBeNull()
    const single = await setup({ AUTH_HEADER_TYPES: 'JWT' })
    expect(single.rawToken({ authorization: 'Bearer abc' })).toBeNull()
    expect(single.rawToken({ authorization: 'JWT abc' })).toBe('abc')
  })

  it('reads AUTH_HEADER_NAME given in its Django META spelling', async () => {
    const custom = await setup({ AUTH_HEADER_NAME: 'HTTP_X_ACCESS_TOKEN' })
    expect(custom.rawToken({ 'x-access-token': 'Bearer abc' })).toBe('abc')
    expect(custom.rawToken({ 'X-Access-Token': 'Bearer abc' })).toBe('abc')
    expect(custom.rawToken(new Headers({ 'X-ACCESS-TOKEN': 'Bearer abc' }))).toBe('abc')
    expect(custom.rawToken({ authorization: 'Bearer abc' })).toBeNull()
  })
})

describe('validatedToken (JWTAuthentication.get_validated_token)', () => {
  let sjwt: SimpleJWT
  beforeAll(async () => {
    sjwt = await setup()
  })

  it('returns the validated token', async () => {
    const token = await sjwt.AccessToken.forUser(ALICE)
    const validated = await sjwt.validatedToken(await token.sign())
    expect(validated).toBeInstanceOf(AccessToken)
    expect(validated.payload).toEqual(token.payload)
  })

  it('refuses an expired token, saying why for each class', async () => {
    const token = await sjwt.AccessToken.forUser(ALICE)
    token.setExp(undefined, undefined, -86400)
    const error = await thrown(async () => sjwt.validatedToken(await token.sign()))
    expect(error).toBeInstanceOf(InvalidToken)
    const invalid = error as InvalidToken
    expect(invalid.code).toBe('token_not_valid')
    expect(invalid.detail.template).toBe('Given token not valid for any token type')
    expect(invalid.messages?.map((m) => [m.tokenClass, m.tokenType, m.message.template])).toEqual([
      ['AccessToken', 'access', 'Token is invalid or expired'],
    ])
  })

  it('refuses token types not in AUTH_TOKEN_CLASSES', async () => {
    const sliding = await new sjwt.SlidingToken().sign()
    const error = (await thrown(() => sjwt.validatedToken(sliding))) as InvalidToken
    expect(error).toBeInstanceOf(InvalidToken)
    expect(error.messages?.map((m) => [m.tokenClass, m.tokenType, m.message.template])).toEqual([
      ['AccessToken', 'access', 'Token has wrong type'],
    ])
  })

  it('accepts each class of AUTH_TOKEN_CLASSES, trying them in order', async () => {
    const both = await setup(
      { AUTH_TOKEN_CLASSES: [AccessToken, SlidingToken] },
      { tokens: new MemoryTokenStore() },
    )
    const access = await both.validatedToken(await new both.AccessToken().sign())
    const sliding = await both.validatedToken(await new both.SlidingToken().sign())
    expect(access).toBeInstanceOf(AccessToken)
    expect(sliding).toBeInstanceOf(SlidingToken)
    // simplejwt's dotted paths name the same classes.
    const byPath = await setup(
      {
        AUTH_TOKEN_CLASSES: [
          'rest_framework_simplejwt.tokens.AccessToken',
          'rest_framework_simplejwt.tokens.SlidingToken',
        ],
      },
      { tokens: new MemoryTokenStore() },
    )
    expect(await byPath.validatedToken(await new byPath.SlidingToken().sign())).toBeInstanceOf(
      SlidingToken,
    )
  })
})

describe('tokenUser (JWTAuthentication.get_user)', () => {
  let sjwt: SimpleJWT
  beforeAll(async () => {
    sjwt = await setup()
  })

  async function tokenWith(claims: Record<string, unknown>): Promise<Token> {
    const token = new sjwt.AccessToken()
    for (const [claim, value] of Object.entries(claims)) token.set(claim, value)
    return sjwt.validatedToken(await token.sign())
  }

  it('refuses a token without the user id claim', async () => {
    const error = await thrown(async () =>
      sjwt.tokenUser(await tokenWith({ some_other_id: 'foo' })),
    )
    expect(error).toBeInstanceOf(InvalidToken)
    expect((error as InvalidToken).detail.template).toBe(
      'Token contained no recognizable user identification',
    )
  })

  it('refuses an unknown user', async () => {
    const error = await thrown(async () => sjwt.tokenUser(await tokenWith({ user_id: 42 })))
    expect(error).toBeInstanceOf(AuthenticationFailed)
    expect((error as AuthenticationFailed).code).toBe('user_not_found')
  })

  it('refuses an inactive user', async () => {
    const error = await thrown(async () => sjwt.tokenUser(await tokenWith({ user_id: BOB.id })))
    expect(error).toBeInstanceOf(AuthenticationFailed)
    expect((error as AuthenticationFailed).code).toBe('user_inactive')
  })

  it('returns the active user the token names', async () => {
    expect(await sjwt.tokenUser(await tokenWith({ user_id: ALICE.id }))).toMatchObject(ALICE)
    // A string id finds the user, as Django's lookup converts it.
    expect(await sjwt.tokenUser(await tokenWith({ user_id: '1' }))).toMatchObject(ALICE)
  })

  it('builds a TokenUser from the claims when stateless, for any id', async () => {
    const user = await sjwt.tokenUser(await tokenWith({ user_id: 42 }), { stateless: true })
    expect(user).toBeInstanceOf(TokenUser)
    expect(user.id).toBe(42)
    const error = await thrown(async () =>
      sjwt.tokenUser(await tokenWith({ some_other_id: 'foo' }), { stateless: true }),
    )
    expect(error).toBeInstanceOf(InvalidToken)
  })

  it('builds the TOKEN_USER_CLASS given', async () => {
    class BobSaget extends TokenUser {
      override get username(): string {
        return 'bsaget'
      }
    }
    const custom = await setup({ TOKEN_USER_CLASS: BobSaget })
    const token = await custom.validatedToken(await accessFor(custom, { id: 42 }))
    const user = await custom.tokenUser(token, { stateless: true })
    expect(user).toBeInstanceOf(BobSaget)
    expect(user.id).toBe(42)
    expect(user.username).toBe('bsaget')
  })
})

describe('authenticate', () => {
  let sjwt: SimpleJWT
  beforeAll(async () => {
    sjwt = await setup()
  })

  it('is anonymous without credentials of ours', async () => {
    for (const headers of [
      {},
      { authorization: '' },
      { authorization: 'Basic x' },
      { authorization: 'Basic dXNlcjpwYXNz' },
      { authorization: 'bearer x' },
      new Headers(),
    ]) {
      expect(await sjwt.authenticate({ headers })).toEqual({ status: 'anonymous' })
    }
  })

  it('answers 401 bad_authorization_header to "Bearer" alone and to "Bearer a b"', async () => {
    for (const header of ['Bearer', 'Bearer a b']) {
      const response = await failure(sjwt, { authorization: header })
      expect(response.status).toBe(401)
      expect(response.body).toEqual(BAD_HEADER)
      expect(JSON.stringify(response.body)).toBe(
        '{"detail":"Authorization header must contain two space-delimited values","code":"bad_authorization_header"}',
      )
      expect(response.headers['www-authenticate']).toBe('Bearer realm="api"')
    }
  })

  it('authenticates a valid access token as the user it names', async () => {
    const token = await accessFor(sjwt, ALICE)
    const outcome = await sjwt.authenticate({ headers: bearer(token) })
    expect(outcome.status).toBe('authenticated')
    if (outcome.status !== 'authenticated') return
    expect(outcome.user).toMatchObject(ALICE)
    expect(outcome.token).toBeInstanceOf(AccessToken)
    expect(outcome.token.token).toBe(token)
    expect(outcome.token.payload).toEqual({
      token_type: 'access',
      exp: T0 / 1000 + 300,
      iat: T0 / 1000,
      jti: expect.stringMatching(/^[0-9a-f]{32}$/),
      user_id: 1,
    })
  })

  it('refuses a refresh token: wrong type for AccessToken', async () => {
    const refresh = await (await sjwt.RefreshToken.forUser(ALICE)).sign()
    const response = await failure(sjwt, bearer(refresh))
    expect(response.status).toBe(401)
    expect(response.body).toEqual({
      detail: 'Given token not valid for any token type',
      code: 'token_not_valid',
      messages: [
        { token_class: 'AccessToken', token_type: 'access', message: 'Token has wrong type' },
      ],
    })
    expect(response.headers['www-authenticate']).toBe('Bearer realm="api"')
  })

  it('refuses a garbled or expired token', async () => {
    const expected = {
      detail: 'Given token not valid for any token type',
      code: 'token_not_valid',
      messages: [
        {
          token_class: 'AccessToken',
          token_type: 'access',
          message: 'Token is invalid or expired',
        },
      ],
    }
    expect((await failure(sjwt, bearer('garbage'))).body).toEqual(expected)
    const later = await setup({}, { clock: () => T0 + 301_000 })
    expect((await failure(later, bearer(await accessFor(sjwt, ALICE)))).body).toEqual(expected)
    // A token expiring this very second is expired, as PyJWT decides.
    const zero = await setup({ ACCESS_TOKEN_LIFETIME: 0 })
    expect((await failure(zero, bearer(await accessFor(zero, ALICE)))).body).toEqual(expected)
  })

  it("lists each AUTH_TOKEN_CLASSES class's reason, in order", async () => {
    const both = await setup(
      { AUTH_TOKEN_CLASSES: [AccessToken, SlidingToken] },
      { tokens: new MemoryTokenStore() },
    )
    const refresh = await (await both.RefreshToken.forUser(ALICE)).sign()
    expect((await failure(both, bearer(refresh))).body).toEqual({
      detail: 'Given token not valid for any token type',
      code: 'token_not_valid',
      messages: [
        { token_class: 'AccessToken', token_type: 'access', message: 'Token has wrong type' },
        { token_class: 'SlidingToken', token_type: 'sliding', message: 'Token has wrong type' },
      ],
    })
    expect((await failure(both, bearer('garbage'))).body).toEqual({
      detail: 'Given token not valid for any token type',
      code: 'token_not_valid',
      messages: [
        {
          token_class: 'AccessToken',
          token_type: 'access',
          message: 'Token is invalid or expired',
        },
        {
          token_class: 'SlidingToken',
          token_type: 'sliding',
          message: 'Token is invalid or expired',
        },
      ],
    })
    const sliding = await (await both.SlidingToken.forUser(ALICE)).sign()
    const outcome = await both.authenticate({ headers: bearer(sliding) })
    expect(outcome.status).toBe('authenticated')
  })

  it('refuses a token without the user id claim', async () => {
    const token = await new sjwt.AccessToken().sign()
    const response = await failure(sjwt, bearer(token))
    expect(response.status).toBe(401)
    expect(response.body).toEqual({
      detail: 'Token contained no recognizable user identification',
      code: 'token_not_valid',
    })
  })

  it('refuses a token naming an unknown user: user_not_found', async () => {
    const response = await failure(sjwt, bearer(await accessFor(sjwt, { id: 99 })))
    expect(response.status).toBe(401)
    expect(response.body).toEqual({ detail: 'User not found', code: 'user_not_found' })
    expect(response.headers['www-authenticate']).toBe('Bearer realm="api"')
  })

  it('refuses a token naming an inactive user: user_inactive', async () => {
    const response = await failure(sjwt, bearer(await accessFor(sjwt, BOB)))
    expect(response.status).toBe(401)
    expect(response.body).toEqual({ detail: 'User is inactive', code: 'user_inactive' })
  })

  it('lets inactive users through when CHECK_USER_IS_ACTIVE is false', async () => {
    const lax = await setup({ CHECK_USER_IS_ACTIVE: false })
    const outcome = await lax.authenticate({ headers: bearer(await accessFor(lax, BOB)) })
    expect(outcome.status).toBe('authenticated')
    if (outcome.status === 'authenticated') expect(outcome.user).toMatchObject(BOB)
  })

  it('reads several AUTH_HEADER_TYPES from AUTH_HEADER_NAME, challenging with the first type', async () => {
    const custom = await setup({
      AUTH_HEADER_TYPES: ['JWT', 'Bearer'],
      AUTH_HEADER_NAME: 'HTTP_X_ACCESS_TOKEN',
    })
    const token = await accessFor(custom, ALICE)
    for (const headers of [
      { 'X-Access-Token': `JWT ${token}` },
      { 'x-access-token': `Bearer ${token}` },
      new Headers({ 'X-ACCESS-TOKEN': `JWT ${token}` }),
      new Headers({ 'x-access-token': `Bearer ${token}` }),
    ]) {
      const outcome = await custom.authenticate({ headers })
      expect(outcome.status).toBe('authenticated')
    }
    // The standard header is not read any more.
    expect(await custom.authenticate({ headers: bearer(token) })).toEqual({ status: 'anonymous' })
    const response = await failure(custom, { 'X-Access-Token': 'JWT' })
    expect(response.body).toEqual(BAD_HEADER)
    expect(response.headers['www-authenticate']).toBe('JWT realm="api"')
  })

  it('builds a TokenUser without any lookup when stateless', async () => {
    const throwing: UserStore = {
      getUser: () => Promise.reject(new Error('must not be called')),
      authenticate: () => Promise.reject(new Error('must not be called')),
    }
    const stateless = await setup({}, { users: throwing })
    const token = await accessFor(stateless, { id: 99 }, { username: 'ghost', is_staff: true })
    const outcome = await stateless.authenticate({ headers: bearer(token) }, { stateless: true })
    expect(outcome.status).toBe('authenticated')
    if (outcome.status !== 'authenticated') return
    expect(outcome.user).toBeInstanceOf(TokenUser)
    expect(outcome.user.id).toBe(99)
    expect(outcome.user.username).toBe('ghost')
    expect(outcome.user.isStaff).toBe(true)
    expect(outcome.user.isActive).toBe(true)
    // Even a user the store would refuse as inactive: no lookup is made.
    const bob = await stateless.authenticate(
      { headers: bearer(await accessFor(stateless, BOB)) },
      { stateless: true },
    )
    expect(bob.status).toBe('authenticated')
    if (bob.status === 'authenticated') {
      expect(bob.user.id).toBe(2)
      expect(bob.user.username).toBe('')
      expect(bob.user.isStaff).toBe(false)
    }
  })

  it('works without any UserStore when stateless', async () => {
    const noUsers = await createSimpleJWT({ settings: { SIGNING_KEY: SECRET }, clock: () => T0 })
    const token = await accessFor(noUsers, ALICE)
    const outcome = await noUsers.authenticate({ headers: bearer(token) }, { stateless: true })
    expect(outcome.status).toBe('authenticated')
  })

  it('still refuses a token without the user id claim when stateless', async () => {
    const response = await failure(sjwt, bearer(await new sjwt.AccessToken().sign()), {
      stateless: true,
    })
    expect(response.body).toEqual({
      detail: 'Token contained no recognizable user identification',
      code: 'token_not_valid',
    })
  })
})

describe('authorize', () => {
  let sjwt: SimpleJWT
  beforeAll(async () => {
    sjwt = await setup()
  })

  it('answers 401 "credentials were not provided" to an anonymous request', async () => {
    for (const headers of [{}, { authorization: 'Basic x' }, { authorization: 'Wrong abc' }]) {
      const result = await sjwt.authorize({ headers })
      expect(result.ok).toBe(false)
      if (result.ok) return
      expect(result.response.status).toBe(401)
      expect(result.response.body).toEqual(NOT_PROVIDED)
      expect(result.response.headers['www-authenticate']).toBe('Bearer realm="api"')
    }
  })

  it('passes the authentication failure on', async () => {
    const result = await sjwt.authorize({ headers: { authorization: 'Bearer a b' } })
    expect(result.ok).toBe(false)
    if (!result.ok) {
      expect(result.response.status).toBe(401)
      expect(result.response.body).toEqual(BAD_HEADER)
    }
  })

  it('lets an authenticated user through by default', async () => {
    const result = await sjwt.authorize({ headers: bearer(await accessFor(sjwt, ALICE)) })
    expect(result.ok).toBe(true)
    if (result.ok) {
      expect(result.user).toMatchObject(ALICE)
      expect(result.token.get('user_id')).toBe(1)
    }
  })

  it('answers 403 without a challenge to a user who is not staff', async () => {
    const result = await sjwt.authorize(
      { headers: bearer(await accessFor(sjwt, ALICE)) },
      { permission: 'staff' },
    )
    expect(result.ok).toBe(false)
    if (result.ok) return
    expect(result.response.status).toBe(403)
    expect(result.response.body).toEqual(PERMISSION_DENIED)
    expect(result.response.headers['www-authenticate']).toBeUndefined()
  })

  it('lets staff through the staff permission', async () => {
    const result = await sjwt.authorize(
      { headers: bearer(await accessFor(sjwt, ADMIN)) },
      { permission: 'staff' },
    )
    expect(result.ok).toBe(true)
  })

  it('answers 401, not 403, to an anonymous request on a staff view', async () => {
    const result = await sjwt.authorize({ headers: {} }, { permission: 'staff' })
    expect(result.ok).toBe(false)
    if (!result.ok) {
      expect(result.response.status).toBe(401)
      expect(result.response.body).toEqual(NOT_PROVIDED)
    }
  })

  it('judges staff from the token claim when stateless', async () => {
    const staffToken = await accessFor(sjwt, { id: 99 }, { is_staff: true })
    const plainToken = await accessFor(sjwt, { id: 98 })
    const staff = await sjwt.authorize(
      { headers: bearer(staffToken) },
      { stateless: true, permission: 'staff' },
    )
    const plain = await sjwt.authorize(
      { headers: bearer(plainToken) },
      { stateless: true, permission: 'staff' },
    )
    expect(staff.ok).toBe(true)
    expect(plain.ok).toBe(false)
    if (!plain.ok) expect(plain.response.status).toBe(403)
  })

  it('applies a custom permission predicate with the user and the token', async () => {
    const seen: Array<[unknown, unknown]> = []
    const permission = (user: AuthUser, token: Token): boolean => {
      seen.push([user['username'], token.get('scope')])
      return token.get('scope') === 'write'
    }
    const allowed = await sjwt.authorize(
      { headers: bearer(await accessFor(sjwt, ALICE, { scope: 'write' })) },
      { permission },
    )
    const refused = await sjwt.authorize(
      { headers: bearer(await accessFor(sjwt, ALICE, { scope: 'read' })) },
      { permission },
    )
    expect(allowed.ok).toBe(true)
    expect(refused.ok).toBe(false)
    if (!refused.ok) {
      expect(refused.response.status).toBe(403)
      expect(refused.response.body).toEqual(PERMISSION_DENIED)
    }
    expect(seen).toEqual([
      ['alice', 'write'],
      ['alice', 'read'],
    ])
  })

  it('does not call the predicate for an anonymous request', async () => {
    let called = false
    const result = await sjwt.authorize(
      { headers: {} },
      {
        permission: () => {
          called = true
          return true
        },
      },
    )
    expect(result.ok).toBe(false)
    expect(called).toBe(false)
  })
})

describe('messages in the language asked for', () => {
  let sjwt: SimpleJWT
  beforeAll(async () => {
    sjwt = await setup(
      { AUTH_TOKEN_CLASSES: [AccessToken, SlidingToken] },
      { tokens: new MemoryTokenStore() },
    )
  })

  const ko = (headers: Record<string, string>) => ({ ...headers, 'accept-language': 'ko' })

  it('answers authentication failures in Korean', async () => {
    const refresh = await (await sjwt.RefreshToken.forUser(ALICE)).sign()
    const cases: Array<[Record<string, string>, unknown]> = [
      [
        { authorization: 'Bearer' },
        {
          detail: '인증 헤더에는 공백으로 구분 된 두 개의 값이 포함되어야 합니다',
          code: 'bad_authorization_header',
        },
      ],
      [
        bearer(refresh),
        {
          detail: '이 토큰은 모든 타입의 토큰에 대해 유효하지 않습니다',
          code: 'token_not_valid',
          messages: [
            { token_class: 'AccessToken', token_type: 'access', message: '잘못된 토큰 타입' },
            { token_class: 'SlidingToken', token_type: 'sliding', message: '잘못된 토큰 타입' },
          ],
        },
      ],
      [
        bearer('garbage'),
        {
          detail: '이 토큰은 모든 타입의 토큰에 대해 유효하지 않습니다',
          code: 'token_not_valid',
          messages: [
            {
              token_class: 'AccessToken',
              token_type: 'access',
              message: '유효하지 않거나 만료된 토큰',
            },
            {
              token_class: 'SlidingToken',
              token_type: 'sliding',
              message: '유효하지 않거나 만료된 토큰',
            },
          ],
        },
      ],
      [
        bearer(await new sjwt.AccessToken().sign()),
        { detail: '토큰에 사용자 식별자가 포함되어 있지 않습니다', code: 'token_not_valid' },
      ],
      [
        bearer(await accessFor(sjwt, { id: 99 })),
        { detail: '찾을 수 없는 사용자', code: 'user_not_found' },
      ],
      [bearer(await accessFor(sjwt, BOB)), { detail: '비활성화된 사용자', code: 'user_inactive' }],
    ]
    for (const [headers, body] of cases) {
      const response = await failure(sjwt, ko(headers))
      expect(response.status).toBe(401)
      expect(response.body).toEqual(body)
      expect(response.headers['content-language']).toBe('ko')
      expect(response.headers['www-authenticate']).toBe('Bearer realm="api"')
    }
  })

  it("answers authorization refusals in Django REST framework's Korean", async () => {
    const anonymous = await sjwt.authorize({ headers: ko({}) })
    expect(anonymous.ok).toBe(false)
    if (!anonymous.ok) {
      expect(anonymous.response.status).toBe(401)
      expect(anonymous.response.body).toEqual({
        detail: '자격 인증데이터(authentication credentials)가 제공되지 않았습니다.',
      })
    }
    const denied = await sjwt.authorize(
      { headers: ko(bearer(await accessFor(sjwt, ALICE))) },
      { permission: 'staff' },
    )
    expect(denied.ok).toBe(false)
    if (!denied.ok) {
      expect(denied.response.status).toBe(403)
      expect(denied.response.body).toEqual({
        detail: '이 작업을 수행할 권한(permission)이 없습니다.',
      })
      expect(denied.response.headers['content-language']).toBe('ko')
    }
  })

  it('answers in English without Accept-Language, saying so', async () => {
    const response = await failure(sjwt, { authorization: 'Bearer' })
    expect(response.body).toEqual(BAD_HEADER)
    expect(response.headers['content-language']).toBe('en')
    expect(response.headers['vary']).toBe('Accept-Language')
  })
})

describe('stores that cannot answer (fail closed)', () => {
  const broken = new Error('connection refused')

  const rejectingUsers: UserStore = {
    getUser: () => Promise.reject(broken),
    authenticate: () => Promise.reject(broken),
  }
  const throwingUsers: UserStore = {
    getUser: () => {
      throw broken
    },
    authenticate: () => {
      throw broken
    },
  }
  const rejectingTokens: TokenStore = {
    addOutstanding: () => Promise.reject(broken),
    blacklist: () => Promise.reject(broken),
    isBlacklisted: () => Promise.reject(broken),
    flushExpired: () => Promise.reject(broken),
  }
  const throwingTokens: TokenStore = {
    addOutstanding: () => {
      throw broken
    },
    blacklist: () => {
      throw broken
    },
    isBlacklisted: () => {
      throw broken
    },
    flushExpired: () => {
      throw broken
    },
  }

  function expect503(response: CoreResponse): void {
    expect(response.status).toBe(503)
    expect(response.body).toEqual(STORE_UNAVAILABLE)
    expect(response.headers['www-authenticate']).toBeUndefined()
  }

  it.each([
    ['rejects', rejectingUsers],
    ['throws', throwingUsers],
  ])('answers 503 when the UserStore %s', async (_, store) => {
    const sjwt = await setup({}, { users: store })
    const headers = bearer(await accessFor(sjwt, ALICE))
    expect503(await failure(sjwt, headers))
    const result = await sjwt.authorize({ headers })
    expect(result.ok).toBe(false)
    if (!result.ok) expect503(result.response)
    // The token-level call throws the typed error.
    const token = await sjwt.validatedToken(headers['authorization']?.split(' ')[1] ?? '')
    await expect(async () => sjwt.tokenUser(token)).rejects.toBeInstanceOf(StoreUnavailableError)
  })

  it.each([
    ['rejects', rejectingTokens],
    ['throws', throwingTokens],
  ])('answers 503 when the TokenStore %s while checking a sliding token', async (_, store) => {
    const issuer = await setup({}, { tokens: new MemoryTokenStore() })
    const sliding = await (await issuer.SlidingToken.forUser(ALICE)).sign()
    const sjwt = await setup({ AUTH_TOKEN_CLASSES: [SlidingToken] }, { tokens: store })
    expect503(await failure(sjwt, bearer(sliding)))
    const result = await sjwt.authorize({ headers: bearer(sliding) }, { stateless: true })
    expect(result.ok).toBe(false)
    if (!result.ok) expect503(result.response)
  })

  it('answers 503 in any language, untranslated', async () => {
    const sjwt = await setup({}, { users: rejectingUsers })
    const response = await failure(sjwt, {
      ...bearer(await accessFor(sjwt, ALICE)),
      'accept-language': 'ko',
    })
    expect503(response)
    expect(response.headers['content-language']).toBe('ko')
  })

  it('does not touch the TokenStore for access tokens, which are not blacklistable', async () => {
    const sjwt = await setup({}, { tokens: rejectingTokens })
    const outcome = await sjwt.authenticate({ headers: bearer(await accessFor(sjwt, ALICE)) })
    expect(outcome.status).toBe('authenticated')
  })
})

describe('authenticate and authorize answer with a value when nothing had to be waited for', () => {
  const isPromise = (value: unknown): boolean => value instanceof Promise

  /** A store answering with promises, settled on a later turn, as a networked store does. */
  function later<T extends object>(store: T): T {
    return new Proxy(store, {
      get(target, property) {
        const value = Reflect.get(target, property, target)
        if (typeof value !== 'function') return value
        return (...args: unknown[]) =>
          new Promise((resolve) => setImmediate(() => resolve(value.apply(target, args))))
      },
    })
  }

  // On the Web Crypto path (`pnpm test:web-crypto`) a signature check answers on a later turn, so
  // only a token found in the cache, or one refused before its signature is checked, answers at once.
  const waitsForCrypto = process.env['SIMPLEJWT_CRYPTO'] === 'web'

  it('answers at once with stores that answer at once, cached or not, with the same outcomes', async () => {
    for (const cache of [true, false]) {
      const sjwt = await setup({ VERIFIED_TOKEN_CACHE: cache }, { tokens: new MemoryTokenStore() })
      const headers = bearer(await accessFor(sjwt, ALICE))
      for (let i = 0; i < 2; i++) {
        const outcome = sjwt.authenticate({ headers })
        const again = sjwt.authenticate({ headers })
        const waits = waitsForCrypto && !(cache && i > 0)
        expect([isPromise(outcome), isPromise(again)]).toEqual([waits, waits])
        expect(await outcome).toEqual(await again)
        expect(await outcome).toMatchObject({ status: 'authenticated', user: ALICE })
        const result = sjwt.authorize({ headers })
        expect(isPromise(result)).toBe(waitsForCrypto && !cache)
        expect(await result).toMatchObject({ ok: true, user: ALICE })
      }
      // Refusals answer at once too. [headers, status, whether a signature is checked]
      const cases: Array<[HeaderInput, number, boolean]> = [
        [{}, 401, false],
        [bearer('garbage'), 401, false],
        [bearer(await accessFor(sjwt, BOB)), 401, true],
        [bearer(await accessFor(sjwt, ALICE)), 403, true],
      ]
      for (const [request, status, verified] of cases) {
        const result = sjwt.authorize({ headers: request }, { permission: 'staff' })
        expect(isPromise(result)).toBe(waitsForCrypto && verified)
        expect(await result).toMatchObject({ ok: false, response: { status } })
      }
    }
  })

  it('answers with a promise, and the same outcomes, when a store answers with one', async () => {
    const sjwt = await setup({}, { users: later(users), tokens: later(new MemoryTokenStore()) })
    const headers = bearer(await accessFor(sjwt, ALICE))
    const pending = sjwt.authorize({ headers })
    expect(isPromise(pending)).toBe(true)
    expect(await pending).toMatchObject({ ok: true, user: ALICE })
    const inactive = sjwt.authenticate({ headers: bearer(await accessFor(sjwt, BOB)) })
    expect(isPromise(inactive)).toBe(true)
    expect(await inactive).toMatchObject({
      status: 'failed',
      response: { status: 401, body: { code: 'user_inactive' } },
    })
  })

  it('checks the revocation time of the user as well, from either kind of store', async () => {
    for (const wrap of [<T>(store: T) => store, later]) {
      const tokens = new MemoryTokenStore()
      const sjwt = await setup({}, { users: wrap(users), tokens: wrap(tokens) })
      const headers = bearer(await accessFor(sjwt, ALICE))
      await tokens.revokeUser(ALICE.id, new Date(T0), new Date(T0 + 86_400_000))
      expect(await sjwt.authorize({ headers })).toMatchObject({
        ok: false,
        response: { status: 401, body: { detail: 'Token is blacklisted' } },
      })
    }
  })

  it('fails closed whether a store throws, rejects, or rejects while the other throws', async () => {
    const broken = new Error('connection refused')
    const throwing = () => {
      throw broken
    }
    const rejecting = () => Promise.reject(broken)
    const unhandled: unknown[] = []
    const onUnhandled = (reason: unknown) => unhandled.push(reason)
    process.on('unhandledRejection', onUnhandled)
    try {
      for (const [getUser, userRevokedAt] of [
        [throwing, () => null],
        [rejecting, () => null],
        [() => ALICE, throwing],
        [() => ALICE, rejecting],
        [rejecting, throwing],
      ] as const) {
        const tokens = Object.assign(new MemoryTokenStore(), { userRevokedAt })
        const store: UserStore = { getUser, authenticate: async () => null }
        const sjwt = await setup({}, { users: store, tokens })
        const result = await sjwt.authorize({ headers: bearer(await accessFor(sjwt, ALICE)) })
        expect(result).toMatchObject({ ok: false, response: { status: 503 } })
      }
      await new Promise((resolve) => setImmediate(resolve))
      expect(unhandled).toEqual([])
    } finally {
      process.off('unhandledRejection', onUnhandled)
    }
  })
})

describe('the flows of simplejwt 5.2.2 test_integration', () => {
  let sjwt: SimpleJWT
  beforeAll(async () => {
    sjwt = await setup({}, { tokens: new MemoryTokenStore() })
  })

  const login = { username: 'alice', password: 'alice-password' }

  it('refuses a sliding token presented under another scheme as anonymous', async () => {
    const response = await sjwt.obtainSlidingToken({ headers: {}, body: login })
    const token = (response.body as { token: string }).token
    const result = await sjwt.authorize({ headers: { authorization: `Wrong ${token}` } })
    expect(result.ok).toBe(false)
    if (!result.ok) expect(result.response.body).toEqual(NOT_PROVIDED)
  })

  it('uses a sliding token where AUTH_TOKEN_CLASSES takes them', async () => {
    const sliding = await setup(
      { AUTH_TOKEN_CLASSES: [SlidingToken] },
      { tokens: new MemoryTokenStore() },
    )
    const response = await sliding.obtainSlidingToken({ headers: {}, body: login })
    const token = (response.body as { token: string }).token
    const result = await sliding.authorize({ headers: bearer(token) })
    expect(result.ok).toBe(true)
    if (result.ok) expect(result.user).toMatchObject(ALICE)
  })

  it('uses an access token, refreshes, and uses the new access token', async () => {
    const pair = await sjwt.obtainTokenPair({ headers: {}, body: login })
    const { access, refresh } = pair.body as { access: string; refresh: string }
    expect((await sjwt.authorize({ headers: bearer(access) })).ok).toBe(true)
    const refreshed = await sjwt.refreshToken({ headers: {}, body: { refresh } })
    expect(refreshed.status).toBe(200)
    const newAccess = (refreshed.body as { access: string }).access
    expect((await sjwt.authorize({ headers: bearer(newAccess) })).ok).toBe(true)
  })

  it('refuses an access token issued with a lifetime of zero', async () => {
    const zero = await setup({ ACCESS_TOKEN_LIFETIME: 0 })
    const pair = await zero.obtainTokenPair({ headers: {}, body: login })
    const { access } = pair.body as { access: string }
    const result = await zero.authorize({ headers: bearer(access) })
    expect(result.ok).toBe(false)
    if (!result.ok) {
      expect(result.response.status).toBe(401)
      expect((result.response.body as { code: string }).code).toBe('token_not_valid')
    }
  })
})

// The token classes imported above are the unbound originals; make sure the bound ones are used.
describe('bound classes', () => {
  it('accepts AUTH_TOKEN_CLASSES given as the unbound classes', async () => {
    const sjwt = await setup({ AUTH_TOKEN_CLASSES: [AccessToken] })
    expect(sjwt.settings.authTokenClasses).toEqual([AccessToken])
    expect(RefreshToken.context).toBeUndefined()
    const outcome = await sjwt.authenticate({ headers: bearer(await accessFor(sjwt, ALICE)) })
    expect(outcome.status).toBe('authenticated')
  })
})
