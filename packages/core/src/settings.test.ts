import { readFileSync } from 'node:fs'
import { inspect } from 'node:util'
import { describe, expect, it } from 'vitest'
import { ConfigurationError } from './errors'
import { MemoryTokenStore } from './memory'
import {
  TokenBlacklistSerializer,
  TokenObtainPairSerializer,
  TokenObtainSlidingSerializer,
  TokenRefreshSerializer,
  TokenRefreshSlidingSerializer,
  TokenVerifySerializer,
} from './serializers'
import { defaultUserAuthenticationRule, type SettingsInput } from './settings'
import { createSimpleJWT } from './simplejwt'
import { AccessToken, SlidingToken, TokenUser, UntypedToken } from './tokens'

const SECRET = 'settings-test-secret-long-enough-for-hs256'

async function resolve(settings: SettingsInput = {}) {
  const sjwt = await createSimpleJWT({ settings: { SIGNING_KEY: SECRET, ...settings } })
  return sjwt.settings
}

/** The ConfigurationError resolving `settings` fails with. */
async function refused(settings: SettingsInput): Promise<ConfigurationError> {
  const error = await resolve(settings).then(
    () => undefined,
    (e: unknown) => e,
  )
  expect(error).toBeInstanceOf(ConfigurationError)
  return error as ConfigurationError
}

describe('defaults', () => {
  // simplejwt 5.2.2 rest_framework_simplejwt/settings.py DEFAULTS, with timedeltas in seconds,
  // import strings as the classes they name, and AUTH_HEADER_NAME as the HTTP header it reads.
  it("are simplejwt 5.2.2's", async () => {
    const s = await resolve()
    expect({ ...s }).toEqual({
      accessTokenLifetime: 300,
      refreshTokenLifetime: 86400,
      rotateRefreshTokens: false,
      blacklistAfterRotation: false,
      updateLastLogin: false,
      algorithm: 'HS256',
      audience: null,
      audienceClaim: null,
      issuer: null,
      jsonEncoder: null,
      jwkUrl: null,
      leeway: 0,
      authHeaderTypes: ['Bearer'],
      authHeaderName: 'authorization',
      userIdField: 'id',
      userIdClaim: 'user_id',
      userAuthenticationRule: defaultUserAuthenticationRule,
      authTokenClasses: [AccessToken],
      tokenTypeClaim: 'token_type',
      tokenUserClass: TokenUser,
      jtiClaim: 'jti',
      slidingTokenRefreshExpClaim: 'refresh_exp',
      slidingTokenLifetime: 300,
      slidingTokenRefreshLifetime: 86400,
      tokenObtainSerializer: TokenObtainPairSerializer,
      tokenRefreshSerializer: TokenRefreshSerializer,
      tokenVerifySerializer: TokenVerifySerializer,
      tokenBlacklistSerializer: TokenBlacklistSerializer,
      slidingTokenObtainSerializer: TokenObtainSlidingSerializer,
      slidingTokenRefreshSerializer: TokenRefreshSlidingSerializer,
      // Later simplejwt's check of inactive users on refresh; 5.2.2 did not have it.
      checkUserIsActive: true,
      maxTokenLength: 8192,
      // This library's additions, off or inert by default except the bounded cache.
      verifiedTokenCache: { maxEntries: 10_000, maxBytes: 8 * 1024 * 1024 },
      refreshTokenReuseDetection: false,
      tokenFamilyClaim: 'family',
      checkRevokeToken: false,
      revokeTokenClaim: 'hash_password',
      throttleRates: { login: null, login_user: null },
      numProxies: null,
    })
    expect(s.signingKey).toBe(SECRET)
    // simplejwt's VERIFYING_KEY default is '', meaning none.
    expect(s.verifyingKey).toBeUndefined()
  })

  it('the default user rule wants an active user', () => {
    expect(defaultUserAuthenticationRule(null)).toBe(false)
    expect(defaultUserAuthenticationRule({ isActive: false })).toBe(false)
    expect(defaultUserAuthenticationRule({ isActive: true })).toBe(true)
    expect(defaultUserAuthenticationRule({})).toBe(true)
  })

  it('apply when no settings are given at all, except the key HS256 needs', async () => {
    await expect(createSimpleJWT()).rejects.toThrow(ConfigurationError)
    await expect(createSimpleJWT({ settings: {} })).rejects.toThrow(/SIGNING_KEY/)
  })
})

describe('names', () => {
  it('accepts UPPER_SNAKE and camelCase alike', async () => {
    const upper = await resolve({
      ACCESS_TOKEN_LIFETIME: 60,
      ROTATE_REFRESH_TOKENS: true,
      USER_ID_CLAIM: 'sub',
      AUTH_HEADER_TYPES: ['JWT'],
    })
    const camel = await resolve({
      accessTokenLifetime: 60,
      rotateRefreshTokens: true,
      userIdClaim: 'sub',
      authHeaderTypes: ['JWT'],
    })
    expect({ ...camel }).toEqual({ ...upper })
    expect(upper.accessTokenLifetime).toBe(60)
    expect(upper.rotateRefreshTokens).toBe(true)
    expect(upper.userIdClaim).toBe('sub')
  })

  it('accepts both spellings mixed, for different settings', async () => {
    const s = await resolve({
      ACCESS_TOKEN_LIFETIME: 60,
      refreshTokenLifetime: 120,
    } as SettingsInput)
    expect([s.accessTokenLifetime, s.refreshTokenLifetime]).toEqual([60, 120])
  })

  it('refuses a setting given in both spellings', async () => {
    const error = await refused({
      ACCESS_TOKEN_LIFETIME: 60,
      accessTokenLifetime: 120,
    } as SettingsInput)
    expect(error.message).toMatch(/accessTokenLifetime.*twice|twice.*accessTokenLifetime/)
    expect(error.message).toContain('ACCESS_TOKEN_LIFETIME')
  })

  it.each(['ACCESS_TOKEN_LIFE', 'accessTokenLife', 'access_token_lifetime', 'AccessTokenLifetime'])(
    'refuses the unknown setting %s',
    async (name) => {
      const error = await refused({ [name]: 60 } as SettingsInput)
      expect(error.message).toBe(`Unknown setting '${name}'`)
    },
  )

  it.each(['AUTH_HEADER_TYPE', 'AUTH_TOKEN_CLASS', 'SECRET_KEY', 'TOKEN_BACKEND_CLASS'])(
    "refuses the removed setting %s with simplejwt's message",
    async (name) => {
      const error = await refused({ [name]: 'x' } as SettingsInput)
      expect(error.message).toBe(
        `The '${name}' setting has been removed. Please refer to 'https://django-rest-framework-simplejwt.readthedocs.io/en/latest/settings.html' for available settings.`,
      )
    },
  )

  it('refuses settings that are not an object', async () => {
    for (const settings of [[], 'HS256', 42]) {
      await expect(
        createSimpleJWT({ settings: settings as unknown as SettingsInput }),
      ).rejects.toThrow(ConfigurationError)
    }
  })

  it('treats a setting given as undefined as not given', async () => {
    const s = await resolve({ ACCESS_TOKEN_LIFETIME: undefined } as SettingsInput)
    expect(s.accessTokenLifetime).toBe(300)
  })
})

describe('durations', () => {
  it.each([
    [60, 60],
    [0.5, 0.5],
    [0, 0],
    ['300', 300],
    ['90s', 90],
    ['5m', 300],
    ['12h', 43200],
    ['7d', 604800],
    ['1w', 604800],
    ['1h30m', 5400],
    ['1h 30m', 5400],
    ['500ms', 0.5],
    ['1.5h', 5400],
    [{ minutes: 5 }, 300],
    [{ days: 1, hours: 2 }, 93600],
    [{ weeks: 1 }, 604800],
    [{ seconds: 30, milliseconds: 500 }, 30.5],
  ])('reads %j as %s seconds', async (value, seconds) => {
    const s = await resolve({
      ACCESS_TOKEN_LIFETIME: value,
      REFRESH_TOKEN_LIFETIME: value,
      SLIDING_TOKEN_LIFETIME: value,
      SLIDING_TOKEN_REFRESH_LIFETIME: value,
      LEEWAY: value,
    })
    expect([
      s.accessTokenLifetime,
      s.refreshTokenLifetime,
      s.slidingTokenLifetime,
      s.slidingTokenRefreshLifetime,
      s.leeway,
    ]).toEqual(Array(5).fill(seconds))
  })

  it.each([
    -1,
    Number.NaN,
    Number.POSITIVE_INFINITY,
    '',
    'abc',
    '5 minutes',
    '5x',
    '5mm',
    '-5m',
    'm5',
    '5m5',
    { mins: 5 },
    { minutes: '5' },
    { minutes: -10 },
    [],
    [300],
    true,
  ])('refuses %j', async (value) => {
    const error = await refused({ ACCESS_TOKEN_LIFETIME: value } as SettingsInput)
    expect(error.message).toMatch(/^ACCESS_TOKEN_LIFETIME must be a duration/)
    await refused({ LEEWAY: value } as SettingsInput)
  })
})

describe('AUTH_HEADER_NAME and AUTH_HEADER_TYPES', () => {
  it.each([
    ['HTTP_AUTHORIZATION', 'authorization'],
    ['HTTP_X_ACCESS_TOKEN', 'x-access-token'],
    ['X-Access-Token', 'x-access-token'],
    ['authorization', 'authorization'],
  ])('reads the header name %s as %s', async (AUTH_HEADER_NAME, expected) => {
    expect((await resolve({ AUTH_HEADER_NAME })).authHeaderName).toBe(expected)
  })

  it.each(['', 'bad header', 'x:token'])('refuses the header name %j', async (AUTH_HEADER_NAME) => {
    await refused({ AUTH_HEADER_NAME })
  })

  it('takes one word or a list of words', async () => {
    expect((await resolve({ AUTH_HEADER_TYPES: 'JWT' })).authHeaderTypes).toEqual(['JWT'])
    expect((await resolve({ AUTH_HEADER_TYPES: ['Bearer', 'JWT'] })).authHeaderTypes).toEqual([
      'Bearer',
      'JWT',
    ])
    await refused({ AUTH_HEADER_TYPES: [] })
    await refused({ AUTH_HEADER_TYPES: ['Two words'] })
    await refused({ AUTH_HEADER_TYPES: [42] } as unknown as SettingsInput)
  })
})

describe('import paths', () => {
  it("accepts simplejwt's own dotted paths for the classes they name", async () => {
    const s = await resolve({
      AUTH_TOKEN_CLASSES: [
        'rest_framework_simplejwt.tokens.AccessToken',
        'rest_framework_simplejwt.tokens.SlidingToken',
        'rest_framework_simplejwt.tokens.UntypedToken',
      ],
      TOKEN_USER_CLASS: 'rest_framework_simplejwt.models.TokenUser',
      USER_AUTHENTICATION_RULE:
        'rest_framework_simplejwt.authentication.default_user_authentication_rule',
      TOKEN_OBTAIN_SERIALIZER: 'rest_framework_simplejwt.serializers.TokenObtainPairSerializer',
      TOKEN_REFRESH_SERIALIZER: 'rest_framework_simplejwt.serializers.TokenRefreshSerializer',
      TOKEN_VERIFY_SERIALIZER: 'rest_framework_simplejwt.serializers.TokenVerifySerializer',
      TOKEN_BLACKLIST_SERIALIZER: 'rest_framework_simplejwt.serializers.TokenBlacklistSerializer',
      SLIDING_TOKEN_OBTAIN_SERIALIZER:
        'rest_framework_simplejwt.serializers.TokenObtainSlidingSerializer',
      SLIDING_TOKEN_REFRESH_SERIALIZER:
        'rest_framework_simplejwt.serializers.TokenRefreshSlidingSerializer',
    })
    expect(s.authTokenClasses).toEqual([AccessToken, SlidingToken, UntypedToken])
    expect(s.tokenUserClass).toBe(TokenUser)
    expect(s.userAuthenticationRule).toBe(defaultUserAuthenticationRule)
    expect(s.tokenObtainSerializer).toBe(TokenObtainPairSerializer)
    expect(s.slidingTokenRefreshSerializer).toBe(TokenRefreshSlidingSerializer)
  })

  it('accepts the classes and functions themselves', async () => {
    class MyAccessToken extends AccessToken {}
    const rule = () => true
    const s = await resolve({ AUTH_TOKEN_CLASSES: [MyAccessToken], USER_AUTHENTICATION_RULE: rule })
    expect(s.authTokenClasses).toEqual([MyAccessToken])
    expect(s.userAuthenticationRule).toBe(rule)
  })

  it.each([
    ['AUTH_TOKEN_CLASSES', ['myapp.tokens.MyToken']],
    ['TOKEN_USER_CLASS', 'myapp.models.MyTokenUser'],
    ['USER_AUTHENTICATION_RULE', 'myapp.auth.rule'],
    ['JSON_ENCODER', 'django.core.serializers.json.DjangoJSONEncoder'],
    ['TOKEN_OBTAIN_SERIALIZER', 'myapp.serializers.MyTokenObtainPairSerializer'],
    ['AUTH_TOKEN_CLASSES', ['rest_framework_simplejwt.tokens.Token']],
  ])('refuses other dotted paths (%s)', async (name, value) => {
    const error = await refused({ [name]: value } as SettingsInput)
    expect(error.message).toContain('Python import path')
  })

  it('refuses values that are not classes or functions', async () => {
    await refused({ AUTH_TOKEN_CLASSES: [] })
    await refused({ AUTH_TOKEN_CLASSES: [42] } as unknown as SettingsInput)
    await refused({ TOKEN_USER_CLASS: {} } as unknown as SettingsInput)
  })
})

describe('other values', () => {
  it('checks the algorithm', async () => {
    const error = await refused({ ALGORITHM: 'none' } as SettingsInput)
    expect(error.message).toMatch(/^Unrecognized algorithm type 'none'/)
  })

  it('keeps AUDIENCE as written into tokens, and as a list for checking', async () => {
    const one = await resolve({ AUDIENCE: 'api' })
    expect([one.audience, one.audienceClaim]).toEqual([['api'], 'api'])
    const two = await resolve({ AUDIENCE: ['a', 'b'] })
    expect([two.audience, two.audienceClaim]).toEqual([
      ['a', 'b'],
      ['a', 'b'],
    ])
    await refused({ AUDIENCE: [] })
    await refused({ AUDIENCE: [1] } as unknown as SettingsInput)
  })

  it('switches claims off with null, as None does', async () => {
    const s = await resolve({ TOKEN_TYPE_CLAIM: null, JTI_CLAIM: null } as SettingsInput)
    expect([s.tokenTypeClaim, s.jtiClaim]).toEqual([null, null])
  })

  it.each([
    ['USER_ID_CLAIM', ''],
    ['USER_ID_FIELD', 42],
    ['ISSUER', 42],
    ['ROTATE_REFRESH_TOKENS', 'yes'],
    ['UPDATE_LAST_LOGIN', 1],
    ['MAX_TOKEN_LENGTH', 10],
    ['MAX_TOKEN_LENGTH', 100.5],
  ])('refuses %s = %j', async (name, value) => {
    await refused({ [name]: value } as SettingsInput)
  })

  it('BLACKLIST_AFTER_ROTATION needs a TokenStore', async () => {
    const settings = {
      SIGNING_KEY: SECRET,
      ROTATE_REFRESH_TOKENS: true,
      BLACKLIST_AFTER_ROTATION: true,
    }
    await expect(createSimpleJWT({ settings })).rejects.toThrow(/TokenStore/)
    await expect(
      createSimpleJWT({ settings, tokens: new MemoryTokenStore() }),
    ).resolves.toBeDefined()
  })
})

describe('the resolved settings', () => {
  it('are frozen', async () => {
    const s = await resolve({ AUTH_HEADER_TYPES: ['Bearer', 'JWT'], AUDIENCE: ['a', 'b'] })
    expect(Object.isFrozen(s)).toBe(true)
    expect(Object.isFrozen(s.authHeaderTypes)).toBe(true)
    expect(Object.isFrozen(s.authTokenClasses)).toBe(true)
    expect(Object.isFrozen(s.audienceClaim)).toBe(true)
    expect(() => {
      ;(s as { accessTokenLifetime: number }).accessTokenLifetime = 1
    }).toThrow(TypeError)
    expect(() => {
      ;(s.authHeaderTypes as string[]).push('Token')
    }).toThrow(TypeError)
  })

  it('do not change the input', async () => {
    const input = {
      SIGNING_KEY: SECRET,
      AUTH_HEADER_TYPES: ['Bearer'],
      ACCESS_TOKEN_LIFETIME: '5m',
    }
    const copy = structuredClone(input)
    const s = await resolve(input)
    expect(input).toEqual(copy)
    expect(s.authHeaderTypes).not.toBe(input.AUTH_HEADER_TYPES)
  })

  it('hide the keys from JSON and logs, but keep them readable', async () => {
    const s = await resolve()
    expect(s.signingKey).toBe(SECRET)
    expect(JSON.stringify(s)).not.toContain(SECRET)
    expect(inspect(s, { depth: 10 })).not.toContain(SECRET)
    expect(Object.keys(s)).not.toContain('signingKey')
    expect(Object.keys(s)).not.toContain('verifyingKey')
    expect(`${Object.entries(s)}`).not.toContain(SECRET)
    // The same goes for the whole configured library.
    const sjwt = await createSimpleJWT({ settings: { SIGNING_KEY: SECRET } })
    expect(JSON.stringify(sjwt)).not.toContain(SECRET)
    expect(inspect(sjwt, { depth: 10 })).not.toContain(SECRET)
  })

  it('hide asymmetric keys too', async () => {
    const key = (name: string) =>
      readFileSync(new URL(`../test/keys/${name}`, import.meta.url), 'utf8')
    const SIGNING_KEY = key('rsa-private.pem')
    const VERIFYING_KEY = key('rsa-public.pem')
    const s = await resolve({ ALGORITHM: 'RS256', SIGNING_KEY, VERIFYING_KEY })
    expect([s.signingKey, s.verifyingKey]).toEqual([SIGNING_KEY, VERIFYING_KEY])
    for (const pem of [SIGNING_KEY, VERIFYING_KEY]) {
      const line = pem.split('\n')[1] ?? ''
      expect(JSON.stringify(s)).not.toContain(line)
      expect(inspect(s, { depth: 10 })).not.toContain(line)
    }
  })
})
