import { createHash } from 'node:crypto'
import { inspect } from 'node:util'
import { beforeEach, describe, expect, it } from 'vitest'
import {
  AuthenticationFailed,
  ConfigurationError,
  InvalidToken,
  message,
  SimpleJWTError,
  StoreUnavailableError,
  TokenError,
  tokenError,
  ValidationError,
} from './errors'
import { TokenBackendError } from './lib/backend'
import { MemoryTokenStore } from './memory'
import type { SettingsInput } from './settings'
import { createSimpleJWT } from './simplejwt'
import type { OutstandingToken, TokenStore } from './stores'
import {
  AccessToken,
  type DecodedToken,
  RefreshToken,
  SlidingToken,
  Token,
  TokenUser,
  UntypedToken,
} from './tokens'

const SECRET = 'tokens-test-secret-long-enough-for-hs256'
/** 2000-01-01T00:00:00Z, the instant simplejwt's own tests freeze time at. */
const FIXED_MS = Date.UTC(2000, 0, 1)
const FIXED_S = FIXED_MS / 1000
const DAY = 86400

let now = FIXED_MS
const clock = () => now

beforeEach(() => {
  now = FIXED_MS
})

/** A configuration with the fixed clock; `tokens: null` for one without a TokenStore. */
async function setup(
  settings: SettingsInput = {},
  tokens: TokenStore | null = new MemoryTokenStore(),
) {
  return createSimpleJWT({
    settings: { SIGNING_KEY: SECRET, ...settings },
    clock,
    ...(tokens === null ? {} : { tokens }),
  })
}

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex')

/** A token class as simplejwt's tests define it: type 'test', one day. */
class MyToken extends Token {
  static override readonly tokenType: string | null = 'test'
  static override lifetime(): number | null {
    return DAY
  }
}

/** The TokenError that decoding fails with, thrown at once or rejected later. */
async function tokenErrorOf(decoding: () => unknown): Promise<TokenError> {
  const error = await Promise.resolve()
    .then(decoding)
    .then(
      () => undefined,
      (e: unknown) => e,
    )
  expect(error).toBeInstanceOf(TokenError)
  return error as TokenError
}

describe('new tokens', () => {
  it('have the type, exp, iat and jti claims, in that order', async () => {
    const sjwt = await setup()
    const token = new (sjwt.bind(MyToken))()
    expect(token.token).toBeNull()
    expect(token.currentTime).toBe(FIXED_MS)
    expect(Object.keys(token.payload)).toEqual(['token_type', 'exp', 'iat', 'jti'])
    expect(token.payload).toEqual({
      token_type: 'test',
      exp: FIXED_S + DAY,
      iat: FIXED_S,
      jti: expect.stringMatching(/^[0-9a-f]{32}$/),
    })
  })

  it('set exp and iat to whole seconds, rounding down', async () => {
    const sjwt = await setup({ ACCESS_TOKEN_LIFETIME: 0.5 })
    now = FIXED_MS + 600
    const token = new sjwt.AccessToken()
    // floor((now + 0.5 s) / 1 s) and floor(now / 1 s), as datetime_to_epoch truncates microseconds.
    expect(token.get('exp')).toBe(FIXED_S + 1)
    expect(token.get('iat')).toBe(FIXED_S)
  })

  it('access tokens last ACCESS_TOKEN_LIFETIME', async () => {
    const sjwt = await setup()
    const token = new sjwt.AccessToken()
    expect(token.get('token_type')).toBe('access')
    expect(token.get('exp')).toBe(FIXED_S + 300)
    expect(token.lifetime).toBe(300)
  })

  it('refresh tokens last REFRESH_TOKEN_LIFETIME', async () => {
    const sjwt = await setup({ REFRESH_TOKEN_LIFETIME: '2d' })
    const token = new sjwt.RefreshToken()
    expect(token.get('token_type')).toBe('refresh')
    expect(token.get('exp')).toBe(FIXED_S + 2 * DAY)
  })

  it('sliding tokens carry refresh_exp from SLIDING_TOKEN_REFRESH_LIFETIME', async () => {
    const sjwt = await setup()
    const token = new sjwt.SlidingToken()
    expect(Object.keys(token.payload)).toEqual(['token_type', 'exp', 'iat', 'jti', 'refresh_exp'])
    expect(token.get('token_type')).toBe('sliding')
    expect(token.get('exp')).toBe(FIXED_S + 300)
    expect(token.get('refresh_exp')).toBe(FIXED_S + DAY)
  })

  it('sliding tokens use SLIDING_TOKEN_REFRESH_EXP_CLAIM and the sliding lifetimes', async () => {
    const sjwt = await setup({
      SLIDING_TOKEN_REFRESH_EXP_CLAIM: 'sliding_until',
      SLIDING_TOKEN_LIFETIME: { minutes: 10 },
      SLIDING_TOKEN_REFRESH_LIFETIME: { days: 3 },
    })
    const token = new sjwt.SlidingToken()
    expect(token.has('refresh_exp')).toBe(false)
    expect(token.get('sliding_until')).toBe(FIXED_S + 3 * DAY)
    expect(token.get('exp')).toBe(FIXED_S + 600)
  })

  it('untyped tokens made from scratch expire at once', async () => {
    const sjwt = await setup()
    const token = new sjwt.UntypedToken()
    expect(token.get('token_type')).toBe('untyped')
    expect(token.get('exp')).toBe(token.get('iat'))
    expect(() => token.checkExp()).toThrow(TokenError)
  })

  it('use TOKEN_TYPE_CLAIM and JTI_CLAIM', async () => {
    const sjwt = await setup({ TOKEN_TYPE_CLAIM: 'kind', JTI_CLAIM: 'token_id' })
    const token = new sjwt.AccessToken()
    expect(Object.keys(token.payload)).toEqual(['kind', 'exp', 'iat', 'token_id'])
    expect(token.get('kind')).toBe('access')
  })

  it('leave out the id when JTI_CLAIM is None', async () => {
    const sjwt = await setup({ JTI_CLAIM: null } as SettingsInput)
    const token = new sjwt.AccessToken()
    expect(token.has('jti')).toBe(false)
    // ...and decoding does not ask for it.
    await expect(
      Promise.resolve(sjwt.AccessToken.decode(await token.sign())),
    ).resolves.toBeInstanceOf(AccessToken)
  })

  it('leave out the type when TOKEN_TYPE_CLAIM is None', async () => {
    const sjwt = await setup({ TOKEN_TYPE_CLAIM: null } as SettingsInput)
    const token = new sjwt.AccessToken()
    expect(Object.keys(token.payload)).toEqual(['exp', 'iat', 'jti'])
    const refresh = await new sjwt.RefreshToken().sign()
    // Without a type claim, nothing tells the classes apart.
    await expect(Promise.resolve(sjwt.AccessToken.decode(refresh))).resolves.toBeInstanceOf(
      AccessToken,
    )
  })

  it('get a new random jti each, and from setJti', async () => {
    const sjwt = await setup()
    const token = new sjwt.AccessToken()
    const first = token.get('jti')
    token.setJti()
    expect(token.get('jti')).toMatch(/^[0-9a-f]{32}$/)
    expect(token.get('jti')).not.toBe(first)
    const ids = new Set(Array.from({ length: 50 }, () => new sjwt.AccessToken().get('jti')))
    expect(ids.size).toBe(50)
  })

  it('setExp and setIat take a claim, a time and a lifetime', async () => {
    const sjwt = await setup()
    const token = new (sjwt.bind(MyToken))()
    token.setExp()
    expect(token.get('exp')).toBe(FIXED_S + DAY)
    token.setExp('refresh_exp', FIXED_MS, 2 * DAY)
    expect(token.get('refresh_exp')).toBe(FIXED_S + 2 * DAY)
    token.setIat()
    expect(token.get('iat')).toBe(FIXED_S)
    token.setIat('refresh_iat', FIXED_MS + DAY * 1000)
    expect(token.get('refresh_iat')).toBe(FIXED_S + DAY)
  })

  it('get, set, delete and has work on the payload', async () => {
    const sjwt = await setup()
    const token = new sjwt.AccessToken()
    expect(token.get('exp')).toBe(token.payload['exp'])
    token.set('test', 1234)
    expect(token.payload['test']).toBe(1234)
    expect(token.has('test')).toBe(true)
    token.delete('test')
    expect(token.has('test')).toBe(false)
    expect(token.get('does_not_exist')).toBeUndefined()
    // Inherited properties are not claims.
    expect(token.has('toString')).toBe(false)
  })

  it('do not show the configuration (and its keys) when logged', async () => {
    const sjwt = await setup()
    const token = new sjwt.AccessToken()
    expect(inspect(token, { depth: 10 })).not.toContain(SECRET)
    expect(JSON.stringify(token)).not.toContain(SECRET)
  })
})

describe('forUser', () => {
  it('keeps an integer id as a number', async () => {
    const sjwt = await setup()
    const token = await sjwt.AccessToken.forUser({ id: 42 })
    expect(token.get('user_id')).toBe(42)
    expect(Object.keys(token.payload)).toEqual(['token_type', 'exp', 'iat', 'jti', 'user_id'])
  })

  it.each([
    ['a string', 'abc', 'abc'],
    ['a UUID', '6f1d4c2e-8a1b-4b1e-9f3c-2d6e7a8b9c0d', '6f1d4c2e-8a1b-4b1e-9f3c-2d6e7a8b9c0d'],
    ['a non-integer number', 1.5, '1.5'],
    ['a boolean', true, 'true'],
  ])('writes %s id as a string', async (_, id, expected) => {
    const sjwt = await setup()
    const token = await sjwt.AccessToken.forUser({ id })
    expect(token.get('user_id')).toBe(expected)
  })

  it('keeps a safe bigint id as a number', async () => {
    const sjwt = await setup()
    const token = await sjwt.AccessToken.forUser({ id: 12n })
    expect(token.get('user_id')).toBe(12)
  })

  it('uses USER_ID_FIELD and USER_ID_CLAIM', async () => {
    const sjwt = await setup({ USER_ID_FIELD: 'username', USER_ID_CLAIM: 'sub' })
    const token = await sjwt.RefreshToken.forUser({ id: 1, username: 'test_user' })
    expect(token.get('sub')).toBe('test_user')
    expect(token.has('user_id')).toBe(false)
  })

  it('refuses a user without the USER_ID_FIELD', async () => {
    const sjwt = await setup({ USER_ID_FIELD: 'uuid' })
    await expect(sjwt.AccessToken.forUser({ id: 1 })).rejects.toThrow(ConfigurationError)
  })

  it('records refresh tokens as outstanding, by SHA-256 digest and not the token itself', async () => {
    const tokens = new MemoryTokenStore()
    const sjwt = await setup({}, tokens)
    const refresh = await sjwt.RefreshToken.forUser({ id: 7 })
    const signed = await refresh.sign()
    const jti = refresh.get('jti') as string
    const record = tokens.outstanding(jti)
    expect(record).toEqual({
      jti,
      userId: 7,
      tokenDigest: sha256(signed),
      createdAt: new Date(FIXED_MS),
      expiresAt: new Date((FIXED_S + DAY) * 1000),
    })
    expect(record?.tokenDigest).toMatch(/^[0-9a-f]{64}$/)
    expect(JSON.stringify(record)).not.toContain(signed)
  })

  it('records sliding tokens but not access tokens', async () => {
    const tokens = new MemoryTokenStore()
    const sjwt = await setup({}, tokens)
    const sliding = await sjwt.SlidingToken.forUser({ id: 1 })
    const access = await sjwt.AccessToken.forUser({ id: 1 })
    expect(tokens.outstanding(sliding.get('jti') as string)).toBeDefined()
    expect(tokens.outstanding(access.get('jti') as string)).toBeUndefined()
  })

  it('works without a TokenStore, recording nothing', async () => {
    const sjwt = await setup({}, null)
    const refresh = await sjwt.RefreshToken.forUser({ id: 1 })
    await expect(
      Promise.resolve(sjwt.RefreshToken.decode(await refresh.sign())),
    ).resolves.toBeInstanceOf(RefreshToken)
  })
})

describe('RefreshToken.accessToken', () => {
  it('copies every claim except the type, exp and jti', async () => {
    const sjwt = await setup()
    const refresh = await sjwt.RefreshToken.forUser({ id: 3 })
    refresh.set('test_claim', 'arst')
    const access = refresh.accessToken
    expect(access).toBeInstanceOf(AccessToken)
    expect(access.get('token_type')).toBe('access')
    expect(access.get('test_claim')).toBe('arst')
    expect(access.get('user_id')).toBe(3)
    expect(access.get('jti')).toMatch(/^[0-9a-f]{32}$/)
    expect(access.get('jti')).not.toBe(refresh.get('jti'))
    expect(access.get('exp')).not.toBe(refresh.get('exp'))
    expect(Object.keys(access.payload)).toEqual([
      'token_type',
      'exp',
      'iat',
      'jti',
      'user_id',
      'test_claim',
    ])
  })

  it('expires relative to when the refresh token was made, and copies its iat', async () => {
    const sjwt = await setup()
    const refresh = new sjwt.RefreshToken()
    now = FIXED_MS + 100_000
    const access = refresh.accessToken
    expect(access.currentTime).toBe(FIXED_MS + 100_000)
    expect(access.get('exp')).toBe(FIXED_S + 300)
    expect(access.get('iat')).toBe(FIXED_S)
  })

  it('of a decoded refresh token expires relative to the decoding', async () => {
    const sjwt = await setup()
    const signed = await new sjwt.RefreshToken().sign()
    now = FIXED_MS + 3600_000
    const refresh = await sjwt.RefreshToken.decode(signed)
    const access = refresh.accessToken
    expect(access.get('exp')).toBe(FIXED_S + 3600 + 300)
    expect(access.get('iat')).toBe(FIXED_S)
    await expect(
      Promise.resolve(sjwt.AccessToken.decode(await access.sign())),
    ).resolves.toBeInstanceOf(AccessToken)
  })

  it('copies neither a custom JTI_CLAIM nor a plain jti, nor a custom type claim', async () => {
    const sjwt = await setup({ JTI_CLAIM: 'token_id', TOKEN_TYPE_CLAIM: 'kind' })
    const refresh = new sjwt.RefreshToken()
    refresh.set('jti', 'third-party-id')
    const access = refresh.accessToken
    expect(access.get('kind')).toBe('access')
    expect(access.get('token_id')).not.toBe(refresh.get('token_id'))
    expect(access.has('jti')).toBe(false)
  })

  it('is of the accessTokenClass of the refresh class', async () => {
    class ScopedAccessToken extends AccessToken {}
    class ScopedRefreshToken extends RefreshToken {
      static override accessTokenClass = ScopedAccessToken
    }
    const sjwt = await setup()
    const access = new (sjwt.bind(ScopedRefreshToken))().accessToken
    expect(access).toBeInstanceOf(ScopedAccessToken)
    expect(access.get('token_type')).toBe('access')
  })
})

describe('decode', () => {
  it('returns the token with its payload, string and the current time', async () => {
    const sjwt = await setup()
    const MyBound = sjwt.bind(MyToken)
    const original = new MyBound()
    original.set('some_value', 'arst')
    const signed = await original.sign()
    now = FIXED_MS + 60_000
    const token = await MyBound.decode(signed)
    expect(token).toBeInstanceOf(MyToken)
    expect(token.token).toBe(signed)
    expect(token.currentTime).toBe(FIXED_MS + 60_000)
    expect(Object.keys(token.payload)).toHaveLength(5)
    expect(token.payload).toEqual(original.payload)
    expect(token.get('exp')).toBe(FIXED_S + DAY)
    expect(token.get('iat')).toBe(FIXED_S)
  })

  it('checks every claim against one reading of the clock, first time and from the cache', async () => {
    let readings = 0
    const sjwt = await createSimpleJWT({
      settings: { SIGNING_KEY: SECRET },
      clock: () => {
        readings++
        return now
      },
    })
    const signed = await new sjwt.AccessToken().sign()
    // On the Web Crypto path (`pnpm test:web-crypto`) the signature check answers on a later turn,
    // and a decoding that waited reads the clock again for the claims.
    const waited = process.env['SIMPLEJWT_CRYPTO'] === 'web' ? 1 : 0
    for (const [pass, expected] of [
      ['verified', 1 + waited],
      ['cached', 1],
    ] as const) {
      readings = 0
      now += 1000
      const token = await sjwt.AccessToken.decode(signed)
      expect([pass, readings, token.currentTime]).toEqual([pass, expected, now])
    }
  })

  it('refuses an expired token as invalid or expired', async () => {
    const sjwt = await setup()
    const signed = await new sjwt.AccessToken().sign()
    now = FIXED_MS + 299_999
    await expect(Promise.resolve(sjwt.AccessToken.decode(signed))).resolves.toBeInstanceOf(
      AccessToken,
    )
    now = FIXED_MS + 300_000
    const error = await tokenErrorOf(async () => sjwt.AccessToken.decode(signed))
    expect(error.message).toBe('Token is invalid or expired')
    expect(error.code).toBe('token_not_valid')
    expect(error.cause).toBeInstanceOf(TokenBackendError)
  })

  it('refuses a token whose lifetime was set negative', async () => {
    const sjwt = await setup()
    const token = new (sjwt.bind(MyToken))()
    token.setExp(undefined, undefined, -1)
    const error = await tokenErrorOf(async () => sjwt.bind(MyToken).decode(await token.sign()))
    expect(error.message).toBe('Token is invalid or expired')
  })

  it.each([
    ['exp', "Token has no 'exp' claim"],
    ['jti', 'Token has no id'],
    ['token_type', 'Token has no type'],
  ])('refuses a token without %s', async (claim, expected) => {
    const sjwt = await setup()
    const token = new sjwt.AccessToken()
    token.delete(claim)
    const error = await tokenErrorOf(async () => sjwt.AccessToken.decode(await token.sign()))
    expect(error.message).toBe(expected)
  })

  it('refuses a refresh token without jti with "Token has no id" (not a crash)', async () => {
    const sjwt = await setup()
    const token = new sjwt.RefreshToken()
    token.delete('jti')
    const error = await tokenErrorOf(async () => sjwt.RefreshToken.decode(await token.sign()))
    expect(error.message).toBe('Token has no id')
  })

  it('refuses a token of another type', async () => {
    const sjwt = await setup()
    const refresh = await new sjwt.RefreshToken().sign()
    const access = await new sjwt.AccessToken().sign()
    const wrong = new sjwt.AccessToken().set('token_type', 'wrong_type')
    for (const [cls, signed] of [
      [sjwt.AccessToken, refresh],
      [sjwt.RefreshToken, access],
      [sjwt.SlidingToken, access],
      [sjwt.AccessToken, await wrong.sign()],
    ] as const) {
      const error = await tokenErrorOf(async () => cls.decode(signed))
      expect(error.message).toBe('Token has wrong type')
    }
  })

  it('UntypedToken accepts a token of any type and keeps its payload', async () => {
    const sjwt = await setup()
    for (const token of [
      new sjwt.AccessToken(),
      new sjwt.RefreshToken(),
      new sjwt.SlidingToken(),
    ]) {
      const untyped = await sjwt.UntypedToken.decode(await token.sign())
      expect(untyped).toBeInstanceOf(UntypedToken)
      expect(untyped.payload).toEqual(token.payload)
    }
    const noType = new sjwt.AccessToken()
    noType.delete('token_type')
    await expect(
      Promise.resolve(sjwt.UntypedToken.decode(await noType.sign())),
    ).resolves.toBeInstanceOf(UntypedToken)
  })

  it('UntypedToken still checks exp and jti', async () => {
    const sjwt = await setup()
    const noJti = new sjwt.AccessToken()
    noJti.delete('jti')
    expect(
      (await tokenErrorOf(async () => sjwt.UntypedToken.decode(await noJti.sign()))).message,
    ).toBe('Token has no id')
    const noExp = new sjwt.AccessToken()
    noExp.delete('exp')
    expect(
      (await tokenErrorOf(async () => sjwt.UntypedToken.decode(await noExp.sign()))).message,
    ).toBe("Token has no 'exp' claim")
  })

  it('refuses a token with a signature from another token', async () => {
    const sjwt = await setup()
    const first = await new sjwt.AccessToken().set('foo', 'bar').sign()
    const second = await new sjwt.AccessToken().set('foo', 'baz').sign()
    const forged = `${second.slice(0, second.lastIndexOf('.'))}.${first.slice(first.lastIndexOf('.') + 1)}`
    const error = await tokenErrorOf(async () => sjwt.AccessToken.decode(forged))
    expect(error.message).toBe('Token is invalid or expired')
  })

  it('refuses a token signed with another secret', async () => {
    const sjwt = await setup()
    const other = await createSimpleJWT({ settings: { SIGNING_KEY: `${SECRET}-other` }, clock })
    const signed = await new other.AccessToken().sign()
    await tokenErrorOf(async () => sjwt.AccessToken.decode(signed))
  })

  it.each([
    ['a number', 42],
    ['null', null],
    ['undefined', undefined],
    ['an object', { token: 'x' }],
    ['bytes', new Uint8Array([1, 2, 3])],
    ['an empty string', ''],
    ['garbage', 'not.a.token'],
  ])('refuses %s with a TokenError', async (_, input) => {
    const sjwt = await setup()
    const error = await tokenErrorOf(async () => sjwt.AccessToken.decode(input))
    expect(error.message).toBe('Token is invalid or expired')
    await tokenErrorOf(async () => sjwt.AccessToken.decode(input, { verify: false }))
  })

  describe('with verify: false', () => {
    it('returns the payload of a token with a bad signature', async () => {
      const sjwt = await setup()
      const first = await new sjwt.AccessToken().set('foo', 'bar').sign()
      const secondToken = new sjwt.AccessToken().set('foo', 'baz')
      const second = await secondToken.sign()
      const forged = `${second.slice(0, second.lastIndexOf('.'))}.${first.slice(first.lastIndexOf('.') + 1)}`
      const token = await sjwt.AccessToken.decode(forged, { verify: false })
      expect(token.payload).toEqual(secondToken.payload)
      expect(token.token).toBe(forged)
    })

    it('skips the expiry, id, type and blacklist checks', async () => {
      const sjwt = await setup()
      const refresh = new sjwt.RefreshToken()
      refresh.delete('jti')
      const signed = await refresh.sign()
      now = FIXED_MS + 2 * DAY * 1000
      const token = await sjwt.AccessToken.decode(signed, { verify: false })
      expect(token.get('token_type')).toBe('refresh')

      const listed = new sjwt.RefreshToken()
      expect(await listed.blacklist()).toBe(true)
      await expect(
        Promise.resolve(sjwt.RefreshToken.decode(await listed.sign(), { verify: false })),
      ).resolves.toBeInstanceOf(RefreshToken)
    })
  })
})

describe('checkExp', () => {
  it('refuses a missing claim, and exp at or before the current time', async () => {
    const sjwt = await setup()
    const token = new (sjwt.bind(MyToken))()
    expect(() => token.checkExp('non_existent_claim')).toThrow(
      "Token has no 'non_existent_claim' claim",
    )

    const exp = FIXED_MS + DAY * 1000
    expect(() => token.checkExp('exp', exp)).toThrow("Token 'exp' claim has expired")
    expect(() => token.checkExp('exp', exp + 1000)).toThrow(TokenError)
    expect(() => token.checkExp('exp', exp - 1)).not.toThrow()
    expect(() => token.checkExp()).not.toThrow()

    token.setExp('refresh_exp', undefined, DAY)
    expect(() => token.checkExp('refresh_exp')).not.toThrow()
    expect(() => token.checkExp('refresh_exp', FIXED_MS + DAY * 1000)).toThrow(
      "Token 'refresh_exp' claim has expired",
    )
    expect(() => token.checkExp('refresh_exp', FIXED_MS + 2 * DAY * 1000)).toThrow(TokenError)
  })

  it('tolerates LEEWAY; exp equal to now minus the leeway is expired', async () => {
    const sjwt = await setup({ LEEWAY: 10 })
    const token = new sjwt.AccessToken()
    token.set('exp', FIXED_S - 9)
    expect(() => token.checkExp()).not.toThrow()
    token.set('exp', FIXED_S - 10)
    expect(() => token.checkExp()).toThrow("Token 'exp' claim has expired")
  })

  it('takes leeway as seconds, a string or an object', async () => {
    for (const leeway of [2 * DAY, '2d', { days: 2 }]) {
      const sjwt = await setup({ LEEWAY: leeway })
      const token = new (sjwt.bind(MyToken))()
      token.setExp('refresh_exp', undefined, DAY)
      // A token one day expired is valid with a leeway of two days.
      expect(() => token.checkExp('refresh_exp', FIXED_MS + DAY * 1000)).not.toThrow()
    }
  })

  it('refuses a non-numeric claim', async () => {
    const sjwt = await setup()
    const token = new sjwt.AccessToken()
    token.set('exp', String(FIXED_S + 100))
    expect(() => token.checkExp()).toThrow('Token is invalid or expired')
  })

  it('applies the leeway when decoding', async () => {
    const sjwt = await setup({ LEEWAY: 10 })
    const signed = await new sjwt.AccessToken().sign()
    now = FIXED_MS + 305_000
    await expect(Promise.resolve(sjwt.AccessToken.decode(signed))).resolves.toBeInstanceOf(
      AccessToken,
    )
    now = FIXED_MS + 310_000
    await tokenErrorOf(async () => sjwt.AccessToken.decode(signed))
  })
})

describe('custom token classes', () => {
  it('need a type and a lifetime', async () => {
    class NoTypeNoLifetime extends Token {}
    class TypeOnly extends Token {
      static override readonly tokenType: string | null = 'test'
    }
    class LifetimeOnly extends Token {
      static override lifetime(): number | null {
        return DAY
      }
    }
    const sjwt = await setup()
    for (const cls of [NoTypeNoLifetime, TypeOnly, LifetimeOnly, Token]) {
      const Bound = sjwt.bind(cls)
      expect(() => new Bound()).toThrow(TokenError)
      expect(() => new Bound()).toThrow('Cannot create token with no type or lifetime')
      await expect(async () => Bound.decode('a.b.c')).rejects.toThrow(
        'Cannot create token with no type or lifetime',
      )
    }
    expect(() => new (sjwt.bind(MyToken))()).not.toThrow()
  })

  it('can add claims when made and checks when verified', async () => {
    class ScopedAccessToken extends AccessToken {
      constructor(decoded?: DecodedToken) {
        super(decoded)
        if (decoded === undefined) this.set('scope', 'read')
      }

      override async verify(): Promise<void> {
        await super.verify()
        if (this.get('scope') !== 'read') throw tokenError('Token has wrong scope')
      }
    }
    const sjwt = await setup()
    const Scoped = sjwt.bind(ScopedAccessToken)
    const token = await Scoped.forUser({ id: 5 })
    expect(token).toBeInstanceOf(ScopedAccessToken)
    expect(token.payload).toMatchObject({ token_type: 'access', scope: 'read', user_id: 5 })
    const decoded = await Scoped.decode(await token.sign())
    expect(decoded.get('scope')).toBe('read')
    // A plain access token fails the added check, but still passes the base class.
    const plain = await new sjwt.AccessToken().sign()
    expect((await tokenErrorOf(async () => Scoped.decode(plain))).message).toBe(
      'Token has wrong scope',
    )
    await expect(Promise.resolve(sjwt.AccessToken.decode(plain))).resolves.toBeInstanceOf(
      AccessToken,
    )
  })

  it('must be bound to a configuration', async () => {
    expect(() => new AccessToken()).toThrow(ConfigurationError)
    expect(() => new AccessToken()).toThrow(/not bound to a configuration/)
    await expect(RefreshToken.forUser({ id: 1 })).rejects.toThrow(ConfigurationError)
    await expect(async () => SlidingToken.decode('a.b.c')).rejects.toThrow(ConfigurationError)
    expect(() => new (class extends MyToken {})()).toThrow(ConfigurationError)
  })

  it('are bound once per configuration, keeping their names', async () => {
    const sjwt = await setup()
    const other = await setup()
    expect(sjwt.bind(AccessToken)).toBe(sjwt.AccessToken)
    expect(sjwt.bind(sjwt.AccessToken)).toBe(sjwt.AccessToken)
    expect(sjwt.bind(MyToken)).toBe(sjwt.bind(MyToken))
    expect(other.AccessToken).not.toBe(sjwt.AccessToken)
    expect(sjwt.AccessToken.name).toBe('AccessToken')
    expect(sjwt.bind(MyToken).name).toBe('MyToken')
    // The base classes stay unbound.
    expect(AccessToken.context).toBeUndefined()
  })
})

describe('blacklist', () => {
  it('blacklists once; a blacklisted refresh token is refused', async () => {
    const sjwt = await setup()
    const refresh = await sjwt.RefreshToken.forUser({ id: 1 })
    const signed = await refresh.sign()
    await expect(Promise.resolve(sjwt.RefreshToken.decode(signed))).resolves.toBeInstanceOf(
      RefreshToken,
    )
    expect(await refresh.blacklist()).toBe(true)
    expect(await refresh.blacklist()).toBe(false)
    const error = await tokenErrorOf(async () => sjwt.RefreshToken.decode(signed))
    expect(error.message).toBe('Token is blacklisted')
    // The untyped class is not blacklistable, as in simplejwt.
    await expect(Promise.resolve(sjwt.UntypedToken.decode(signed))).resolves.toBeInstanceOf(
      UntypedToken,
    )
  })

  it('applies to sliding tokens too', async () => {
    const sjwt = await setup()
    const sliding = await sjwt.SlidingToken.forUser({ id: 1 })
    expect(await sliding.blacklist()).toBe(true)
    expect(
      (await tokenErrorOf(async () => sjwt.SlidingToken.decode(await sliding.sign()))).message,
    ).toBe('Token is blacklisted')
  })

  it('does not apply to access tokens', async () => {
    const sjwt = await setup()
    const refresh = new sjwt.RefreshToken()
    await refresh.blacklist()
    const access = new sjwt.AccessToken().set('jti', refresh.get('jti'))
    await expect(
      Promise.resolve(sjwt.AccessToken.decode(await access.sign())),
    ).resolves.toBeInstanceOf(AccessToken)
  })

  it('records a token not yet outstanding, by the digest of the string it was decoded from', async () => {
    const tokens = new MemoryTokenStore()
    const sjwt = await setup({}, tokens)
    const signed = await new sjwt.RefreshToken().set('user_id', 'u-1').sign()
    const refresh = await sjwt.RefreshToken.decode(signed)
    const jti = refresh.get('jti') as string
    expect(tokens.outstanding(jti)).toBeUndefined()
    now = FIXED_MS + 5000
    expect(await refresh.blacklist()).toBe(true)
    expect(tokens.outstanding(jti)).toEqual({
      jti,
      userId: 'u-1',
      tokenDigest: sha256(signed),
      createdAt: null,
      expiresAt: new Date((FIXED_S + DAY) * 1000),
    })
  })

  it('lets exactly one of concurrent calls win', async () => {
    const sjwt = await setup()
    const refresh = new sjwt.RefreshToken()
    const results = await Promise.all([
      refresh.blacklist(),
      refresh.blacklist(),
      refresh.blacklist(),
    ])
    expect(results.filter(Boolean)).toHaveLength(1)
  })

  it('needs a TokenStore; without one, decoding does not check it', async () => {
    const sjwt = await setup({}, null)
    const refresh = new sjwt.RefreshToken()
    await expect(refresh.blacklist()).rejects.toThrow(ConfigurationError)
    await expect(
      Promise.resolve(sjwt.RefreshToken.decode(await refresh.sign())),
    ).resolves.toBeInstanceOf(RefreshToken)
  })

  it('refuses the token (503) when the store fails', async () => {
    const failing: TokenStore = {
      addOutstanding: async () => undefined,
      blacklist: async () => {
        throw new Error('connection refused')
      },
      isBlacklisted: async () => {
        throw new Error('connection refused')
      },
      flushExpired: async () => 0,
    }
    const sjwt = await setup({}, failing)
    const refresh = new sjwt.RefreshToken()
    const signed = await refresh.sign()
    const decoding = async () => sjwt.RefreshToken.decode(signed)
    await expect(decoding).rejects.toThrow(StoreUnavailableError)
    await expect(decoding).rejects.toMatchObject({ code: 'store_unavailable' })
    await expect(refresh.blacklist()).rejects.toThrow(StoreUnavailableError)
  })

  it('passes the outstanding record to the store', async () => {
    const records: OutstandingToken[] = []
    const store = new MemoryTokenStore()
    const spy: TokenStore = {
      addOutstanding: (record) => {
        records.push(record)
        return store.addOutstanding(record)
      },
      blacklist: (record, at) => store.blacklist(record, at),
      isBlacklisted: (jti) => store.isBlacklisted(jti),
      flushExpired: (at) => store.flushExpired(at),
    }
    const sjwt = await setup({}, spy)
    const refresh = await sjwt.RefreshToken.forUser({ id: 9 })
    expect(records).toHaveLength(1)
    expect(records[0]?.jti).toBe(refresh.get('jti'))
    expect(records[0]?.userId).toBe(9)
  })
})

describe('TokenUser', () => {
  async function user(claims: Record<string, unknown>, settings: SettingsInput = {}) {
    const sjwt = await setup(settings)
    const token = new sjwt.AccessToken()
    for (const [claim, value] of Object.entries(claims)) token.set(claim, value)
    return new TokenUser(token)
  }

  it('takes the id, username and other claims from the token', async () => {
    const u = await user({ user_id: 42, username: 'deep-thought', some_other_stuff: 'arstarst' })
    expect(u.id).toBe(42)
    expect(u.pk).toBe(42)
    expect(u.username).toBe('deep-thought')
    expect(u.isActive).toBe(true)
    expect(String(u)).toBe('TokenUser 42')
    expect(u.claim('some_other_stuff')).toBe('arstarst')
    expect(u.claim('missing')).toBeUndefined()
  })

  it('has an empty username and is neither staff nor superuser by default', async () => {
    const u = await user({ user_id: 42 })
    expect(u.username).toBe('')
    expect(u.isStaff).toBe(false)
    expect(u.isSuperuser).toBe(false)
  })

  it('is staff or superuser when the token says so', async () => {
    const u = await user({ user_id: 42, is_staff: true, is_superuser: true })
    expect(u.isStaff).toBe(true)
    expect(u.isSuperuser).toBe(true)
  })

  it('reads the id from USER_ID_CLAIM', async () => {
    const u = await user({ sub: 'abc' }, { USER_ID_CLAIM: 'sub' })
    expect(u.id).toBe('abc')
    expect(String(u)).toBe('TokenUser abc')
  })
})

describe('error classes', () => {
  it('have their codes', () => {
    expect(new ConfigurationError('bad').code).toBe('configuration_error')
    expect(new TokenError(message('Token is invalid or expired')).code).toBe('token_not_valid')
    expect(new TokenBackendError(message('Token is invalid or expired')).code).toBe(
      'token_backend_error',
    )
    expect(new StoreUnavailableError().code).toBe('store_unavailable')
    expect(new AuthenticationFailed(message('x')).code).toBe('authentication_failed')
    expect(new AuthenticationFailed(message('User not found'), 'user_not_found').code).toBe(
      'user_not_found',
    )
    expect(new InvalidToken().code).toBe('token_not_valid')
    expect(new ValidationError({ password: [message('This field is required.')] }).code).toBe(
      'invalid',
    )
    expect(new SimpleJWTError(message('x')).code).toBe('simplejwt_error')
  })

  it('are SimpleJWTErrors named after their class, with formatted messages', () => {
    const error = tokenError("Token has no '{}' claim", 'exp')
    expect(error).toBeInstanceOf(SimpleJWTError)
    expect(error).toBeInstanceOf(Error)
    expect(error.name).toBe('TokenError')
    expect(error.message).toBe("Token has no 'exp' claim")
    expect(error.detail).toEqual({ template: "Token has no '{}' claim", args: ['exp'] })
    expect(new InvalidToken()).toBeInstanceOf(AuthenticationFailed)
    expect(new InvalidToken().message).toBe('Token is invalid or expired')
    expect(new InvalidToken().name).toBe('InvalidToken')
    expect(new StoreUnavailableError().message).toBe(
      'Service temporarily unavailable, try again later.',
    )
    expect(new ValidationError({ password: [message('This field is required.')] }).message).toBe(
      'This field is required.',
    )
  })
})
