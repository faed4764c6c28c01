import { decodeJwt, decodeProtectedHeader } from 'jose'
import { beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { ConfigurationError } from './errors'
import { MemoryTokenStore, MemoryUserStore } from './memory'
import type { CoreResponse } from './responses'
import { TokenObtainPairSerializer, TokenObtainSlidingSerializer } from './serializers'
import type { DjangoSettings } from './settings'
import { createSimpleJWT, type SimpleJWT, type SimpleJWTOptions } from './simplejwt'
import type { AuthUser, UserStore } from './stores'
import type { Token } from './tokens'

const SECRET = 'contract-secret-key-0123456789abcdef'
const T0 = Date.UTC(2030, 0, 1, 12, 0, 0)
const T0S = T0 / 1000

const ALICE = { id: 1, username: 'alice' }
const BOB = { id: 2, username: 'bob' }
const LOGIN = { username: 'alice', password: 'alice-password' }

/** The users of the contract, whose entries tests may deactivate or delete after issuing tokens. */
class EditableUsers implements UserStore {
  readonly usernameField = 'username'
  readonly #changed = new Map<string, AuthUser | null>()
  readonly lastLogins: Array<[AuthUser, Date]> = []

  constructor(readonly inner: MemoryUserStore) {}

  deactivate(id: number): void {
    this.#changed.set(String(id), { ...ALICE, id, isActive: false })
  }

  remove(id: number): void {
    this.#changed.set(String(id), null)
  }

  reset(): void {
    this.#changed.clear()
    this.lastLogins.length = 0
  }

  async getUser(field: string, value: unknown): Promise<AuthUser | null> {
    const user = await this.inner.getUser(field, value)
    if (user === null) return null
    const key = String(user['id'])
    return this.#changed.has(key) ? (this.#changed.get(key) ?? null) : user
  }

  authenticate(credentials: Readonly<Record<string, string>>): Promise<AuthUser | null> {
    return this.inner.authenticate(credentials)
  }

  async updateLastLogin(user: AuthUser, at: Date): Promise<void> {
    this.lastLogins.push([user, at])
  }
}

let users: EditableUsers
let now = T0

// scrypt costs tens of milliseconds per hash: one store for the whole file.
beforeAll(async () => {
  users = new EditableUsers(
    await MemoryUserStore.create([
      { ...ALICE, password: 'alice-password' },
      { ...BOB, password: 'bob-password', isActive: false },
      { id: 3, username: 'admin', password: 'admin-password', isStaff: true },
    ]),
  )
}, 30_000)

beforeEach(() => {
  now = T0
  users.reset()
})

function setup(
  settings: DjangoSettings = {},
  options: Omit<SimpleJWTOptions, 'settings'> = {},
): Promise<SimpleJWT> {
  return createSimpleJWT({
    settings: { SIGNING_KEY: SECRET, ...settings },
    users,
    clock: () => now,
    ...options,
  })
}

type Endpoint =
  | 'obtainTokenPair'
  | 'refreshToken'
  | 'verifyToken'
  | 'blacklistToken'
  | 'obtainSlidingToken'
  | 'refreshSlidingToken'

const FIELDS: Record<Endpoint, readonly string[]> = {
  obtainTokenPair: ['username', 'password'],
  obtainSlidingToken: ['username', 'password'],
  refreshToken: ['refresh'],
  blacklistToken: ['refresh'],
  verifyToken: ['token'],
  refreshSlidingToken: ['token'],
}
const ENDPOINTS = Object.keys(FIELDS) as Endpoint[]

function call(
  sjwt: SimpleJWT,
  endpoint: Endpoint,
  body: unknown,
  headers: Record<string, string> = {},
): Promise<CoreResponse> {
  return sjwt[endpoint]({ headers, body })
}

const ko = { 'accept-language': 'ko' }

/** The token in a 200 body. */
function field(response: CoreResponse, name: string): string {
  expect(response.status).toBe(200)
  const value = (response.body as Record<string, unknown>)[name]
  expect(typeof value).toBe('string')
  return value as string
}

async function signed(token: Token, claims: Record<string, unknown> = {}): Promise<string> {
  for (const [claim, value] of Object.entries(claims)) {
    if (value === undefined) token.delete(claim)
    else token.set(claim, value)
  }
  return token.sign()
}

const tokenError = (detail: string) => ({ detail, code: 'token_not_valid' })
const NO_ACCOUNT = { detail: 'No active account found with the given credentials' }
const NO_ACCOUNT_FOR_TOKEN = { detail: 'No active account found for the given token.' }

function expect401(response: CoreResponse, body: unknown): void {
  expect(response.status).toBe(401)
  expect(response.body).toEqual(body)
  expect(response.headers['www-authenticate']).toBe('Bearer realm="api"')
}

describe('field validation, as Django REST framework answers', () => {
  let sjwt: SimpleJWT
  beforeAll(async () => {
    sjwt = await setup({}, { tokens: new MemoryTokenStore() })
  })

  it.each(ENDPOINTS)('%s: missing fields are required, in field order', async (endpoint) => {
    const response = await call(sjwt, endpoint, {})
    expect(response.status).toBe(400)
    const expected = Object.fromEntries(
      FIELDS[endpoint].map((name) => [name, ['This field is required.']]),
    )
    expect(response.body).toEqual(expected)
    expect(JSON.stringify(response.body)).toBe(JSON.stringify(expected))
    expect(response.headers['www-authenticate']).toBeUndefined()
  })

  it('reports the missing field only', async () => {
    expect((await call(sjwt, 'obtainTokenPair', { username: 'alice' })).body).toEqual({
      password: ['This field is required.'],
    })
    expect((await call(sjwt, 'obtainTokenPair', { password: 'x' })).body).toEqual({
      username: ['This field is required.'],
    })
  })

  it('gives the exact body of the reference for missing credentials', async () => {
    const response = await call(sjwt, 'obtainTokenPair', {})
    expect(JSON.stringify(response.body)).toBe(
      '{"username":["This field is required."],"password":["This field is required."]}',
    )
  })

  it.each(ENDPOINTS)('%s: no body at all', async (endpoint) => {
    for (const body of [null, undefined]) {
      const response = await call(sjwt, endpoint, body)
      expect(response.status).toBe(400)
      expect(response.body).toEqual({ non_field_errors: ['No data provided'] })
    }
  })

  it.each(ENDPOINTS)('%s: a body that is not an object', async (endpoint) => {
    const cases: Array<[unknown, string]> = [
      [[], 'list'],
      [[{ username: 'alice' }], 'list'],
      ['x', 'str'],
      ['', 'str'],
      [1, 'int'],
      [0, 'int'],
      [1.5, 'float'],
      [true, 'bool'],
      [false, 'bool'],
    ]
    for (const [body, type] of cases) {
      const response = await call(sjwt, endpoint, body)
      expect(response.status).toBe(400)
      expect(response.body).toEqual({
        non_field_errors: [`Invalid data. Expected a dictionary, but got ${type}.`],
      })
    }
  })

  it.each(ENDPOINTS)('%s: null, blank and non-string values', async (endpoint) => {
    const name = FIELDS[endpoint][0] as string
    const cases: Array<[unknown, string]> = [
      [null, 'This field may not be null.'],
      ['', 'This field may not be blank.'],
      ['   ', 'This field may not be blank.'],
      ['\t\n\r\v\f', 'This field may not be blank.'],
      // Python's str.strip() whitespace, which is not JavaScript's trim().
      ['\u00a0\u3000\u2028', 'This field may not be blank.'],
      ['\x1c\x1d\x1e\x1f\x85', 'This field may not be blank.'],
      [true, 'Not a valid string.'],
      [false, 'Not a valid string.'],
      [[], 'Not a valid string.'],
      [['a'], 'Not a valid string.'],
      [{}, 'Not a valid string.'],
      [{ a: 1 }, 'Not a valid string.'],
    ]
    for (const [value, error] of cases) {
      const body = Object.fromEntries(FIELDS[endpoint].map((f) => [f, f === name ? value : 'x']))
      const response = await call(sjwt, endpoint, body)
      expect(response.status, JSON.stringify(value)).toBe(400)
      expect(response.body).toEqual({ [name]: [error] })
    }
  })

  it('reports every field at once', async () => {
    const response = await call(sjwt, 'obtainTokenPair', { username: null, password: '  ' })
    expect(JSON.stringify(response.body)).toBe(
      '{"username":["This field may not be null."],"password":["This field may not be blank."]}',
    )
    expect((await call(sjwt, 'obtainTokenPair', { username: true, password: [1] })).body).toEqual({
      username: ['Not a valid string.'],
      password: ['Not a valid string.'],
    })
  })

  it('refuses null characters and unpaired surrogates, as CharField validators do', async () => {
    const cases: Array<[string, string[]]> = [
      ['a\0b', ['Null characters are not allowed.']],
      ['\0', ['Null characters are not allowed.']],
      ['a\ud800b', ['Surrogate characters are not allowed: U+D800.']],
      ['x\udfff', ['Surrogate characters are not allowed: U+DFFF.']],
      // A low surrogate before a high one is no pair; the first is reported.
      ['a\udc00\ud800', ['Surrogate characters are not allowed: U+DC00.']],
      // Both validators report.
      [
        'a\0b\ud800',
        ['Null characters are not allowed.', 'Surrogate characters are not allowed: U+D800.'],
      ],
    ]
    for (const [value, errors] of cases) {
      const response = await call(sjwt, 'verifyToken', { token: value })
      expect(response.status).toBe(400)
      expect(response.body).toEqual({ token: errors })
    }
    // A proper pair is one character (U+1F600), not a surrogate.
    const pair = await call(sjwt, 'verifyToken', { token: 'a\ud83d\ude00' })
    expect401(pair, tokenError('Token is invalid or expired'))
  })

  it('does not count U+FEFF or U+200B as whitespace, as Python does not', async () => {
    for (const value of ['\ufeff', '\u200b']) {
      expect401(
        await call(sjwt, 'verifyToken', { token: value }),
        tokenError('Token is invalid or expired'),
      )
    }
  })

  it('accepts numbers as strings', async () => {
    expect401(
      await call(sjwt, 'verifyToken', { token: 5 }),
      tokenError('Token is invalid or expired'),
    )
    expect401(
      await call(sjwt, 'refreshToken', { refresh: 1.5 }),
      tokenError('Token is invalid or expired'),
    )
    expect401(await call(sjwt, 'obtainTokenPair', { username: 1, password: 2 }), NO_ACCOUNT)
  })

  it('trims both fields, the password too', async () => {
    const response = await call(sjwt, 'obtainTokenPair', {
      username: ' alice ',
      password: '\talice-password\n',
    })
    expect(response.status).toBe(200)
  })

  it('ignores fields it does not know', async () => {
    const response = await call(sjwt, 'obtainTokenPair', { ...LOGIN, extra: [1, 2], access: 'x' })
    expect(Object.keys(response.body as object)).toEqual(['refresh', 'access'])
  })

  it('answers in Korean where the reference does', async () => {
    expect((await call(sjwt, 'obtainTokenPair', {}, ko)).body).toEqual({
      username: ['이 필드는 필수 항목입니다.'],
      password: ['이 필드는 필수 항목입니다.'],
    })
    expect(
      (await call(sjwt, 'obtainTokenPair', { username: null, password: ' ' }, ko)).body,
    ).toEqual({
      username: ['이 필드는 null일 수 없습니다.'],
      password: ['이 필드는 blank일 수 없습니다.'],
    })
    expect((await call(sjwt, 'obtainTokenPair', [], ko)).body).toEqual({
      non_field_errors: ['유효하지 않은 데이터. 딕셔너리(dictionary)대신 list를 받았습니다.'],
    })
    // These two have no Korean translation in the reference.
    expect((await call(sjwt, 'obtainTokenPair', null, ko)).body).toEqual({
      non_field_errors: ['No data provided'],
    })
    expect(
      (await call(sjwt, 'obtainTokenPair', { username: true, password: 'x' }, ko)).body,
    ).toEqual({ username: ['Not a valid string.'] })
    expect(
      (await call(sjwt, 'obtainTokenPair', { username: 'a\0', password: 'x' }, ko)).body,
    ).toEqual({ username: ['null 문자는 사용할 수 없습니다. '] })
    const french = await call(
      sjwt,
      'obtainTokenPair',
      { username: 'a\0', password: 'x' },
      {
        'accept-language': 'fr',
      },
    )
    expect(french.body).toEqual({ username: ['Le caractère nul n’est pas autorisé.'] })
    expect(french.headers['content-language']).toBe('fr')
  })
})

describe('obtainTokenPair', () => {
  let sjwt: SimpleJWT
  let tokens: MemoryTokenStore
  beforeAll(async () => {
    tokens = new MemoryTokenStore()
    sjwt = await setup({}, { tokens })
  })

  it('refuses wrong credentials with 401 and no code', async () => {
    for (const body of [
      { username: 'alice', password: 'wrong' },
      { username: 'alice', password: 'bob-password' },
      { username: 'nobody', password: 'alice-password' },
    ]) {
      const response = await call(sjwt, 'obtainTokenPair', body)
      expect401(response, NO_ACCOUNT)
      expect(JSON.stringify(response.body)).toBe(
        '{"detail":"No active account found with the given credentials"}',
      )
    }
  })

  it('refuses an inactive user with the right password', async () => {
    const response = await call(sjwt, 'obtainTokenPair', {
      username: 'bob',
      password: 'bob-password',
    })
    expect401(response, NO_ACCOUNT)
  })

  it('refuses in Korean', async () => {
    const response = await call(sjwt, 'obtainTokenPair', { username: 'a', password: 'b' }, ko)
    expect401(response, {
      detail: '지정된 자격 증명에 해당하는 활성화된 사용자를 찾을 수 없습니다',
    })
    expect(response.headers['content-language']).toBe('ko')
  })

  it('issues a refresh and an access token with the right claims', async () => {
    const response = await call(sjwt, 'obtainTokenPair', LOGIN)
    expect(response.status).toBe(200)
    expect(Object.keys(response.body as object)).toEqual(['refresh', 'access'])
    const refresh = field(response, 'refresh')
    const access = field(response, 'access')
    expect(decodeProtectedHeader(refresh)).toEqual({ alg: 'HS256', typ: 'JWT' })

    const r = decodeJwt(refresh)
    const a = decodeJwt(access)
    expect(Object.keys(r)).toEqual(['token_type', 'exp', 'iat', 'jti', 'user_id'])
    expect(r).toEqual({
      token_type: 'refresh',
      exp: T0S + 86400,
      iat: T0S,
      jti: expect.stringMatching(/^[0-9a-f]{32}$/),
      user_id: 1,
    })
    expect(Object.keys(a)).toEqual(['token_type', 'exp', 'iat', 'jti', 'user_id'])
    expect(a).toEqual({
      token_type: 'access',
      exp: T0S + 300,
      iat: T0S,
      jti: expect.stringMatching(/^[0-9a-f]{32}$/),
      user_id: 1,
    })
    expect(a.jti).not.toBe(r.jti)

    // Each decodes as its own class.
    await expect(Promise.resolve(sjwt.RefreshToken.decode(refresh))).resolves.toBeDefined()
    await expect(Promise.resolve(sjwt.AccessToken.decode(access))).resolves.toBeDefined()
    await expect(async () => sjwt.AccessToken.decode(refresh)).rejects.toThrow(
      'Token has wrong type',
    )
  })

  it('records the refresh token as outstanding, by digest', async () => {
    const refresh = field(await call(sjwt, 'obtainTokenPair', LOGIN), 'refresh')
    const jti = decodeJwt(refresh).jti as string
    const record = tokens.outstanding(jti)
    expect(record).toMatchObject({
      jti,
      userId: 1,
      createdAt: new Date(T0),
      expiresAt: new Date(T0 + 86_400_000),
      tokenDigest: expect.stringMatching(/^[0-9a-f]{64}$/),
    })
    expect(JSON.stringify(record)).not.toContain(refresh)
  })

  it('calls updateLastLogin only with UPDATE_LAST_LOGIN', async () => {
    await call(sjwt, 'obtainTokenPair', LOGIN)
    await call(sjwt, 'obtainSlidingToken', LOGIN)
    expect(users.lastLogins).toEqual([])

    const recording = await setup({ UPDATE_LAST_LOGIN: true }, { tokens })
    now = T0 + 5000
    expect((await call(recording, 'obtainTokenPair', LOGIN)).status).toBe(200)
    expect((await call(recording, 'obtainSlidingToken', LOGIN)).status).toBe(200)
    // Not for failed logins.
    await call(recording, 'obtainTokenPair', { username: 'alice', password: 'wrong' })
    expect(users.lastLogins).toEqual([
      [expect.objectContaining(ALICE), new Date(T0 + 5000)],
      [expect.objectContaining(ALICE), new Date(T0 + 5000)],
    ])
  })

  it('lets a USER_AUTHENTICATION_RULE admit inactive users', async () => {
    const lenient = await setup({ USER_AUTHENTICATION_RULE: (user) => user !== null })
    const response = await call(lenient, 'obtainTokenPair', {
      username: 'bob',
      password: 'bob-password',
    })
    expect(decodeJwt(field(response, 'access'))['user_id']).toBe(2)
  })

  it('takes a TOKEN_OBTAIN_SERIALIZER that adds a claim in getToken', async () => {
    class WithName extends TokenObtainPairSerializer {
      override async getToken(user: AuthUser): Promise<Token> {
        const token = await super.getToken(user)
        token.set('name', user['username'])
        return token
      }
    }
    const custom = await setup({ TOKEN_OBTAIN_SERIALIZER: WithName })
    const response = await call(custom, 'obtainTokenPair', LOGIN)
    expect(decodeJwt(field(response, 'refresh'))['name']).toBe('alice')
    expect(decodeJwt(field(response, 'access'))['name']).toBe('alice')
    // The claim travels into access tokens made on refresh.
    const refreshed = await call(custom, 'refreshToken', { refresh: field(response, 'refresh') })
    expect(decodeJwt(field(refreshed, 'access'))['name']).toBe('alice')
  })

  it('takes a TOKEN_OBTAIN_SERIALIZER that adds a response field in validate', async () => {
    class WithUser extends TokenObtainPairSerializer {
      override async validate(attrs: Readonly<Record<string, string>>) {
        const data = await super.validate(attrs)
        data['user'] = { id: this.user?.['id'], username: this.user?.['username'] }
        data['client'] = this.context.request
        return data
      }
    }
    const custom = await setup({ TOKEN_OBTAIN_SERIALIZER: WithUser })
    const response = await custom.obtainTokenPair({
      headers: {},
      body: LOGIN,
      context: { request: '203.0.113.7' },
    })
    expect(response.status).toBe(200)
    expect(Object.keys(response.body as object)).toEqual(['refresh', 'access', 'user', 'client'])
    expect(response.body).toMatchObject({ user: ALICE, client: '203.0.113.7' })
    // A refused login never reaches the added code.
    expect401(
      await call(custom, 'obtainTokenPair', { username: 'alice', password: 'x' }),
      NO_ACCOUNT,
    )
  })

  it('works without a TokenStore, recording nothing', async () => {
    const bare = await setup()
    expect((await call(bare, 'obtainTokenPair', LOGIN)).status).toBe(200)
  })

  it('needs a UserStore: a configuration error, not a response', async () => {
    const noUsers = await createSimpleJWT({ settings: { SIGNING_KEY: SECRET }, clock: () => now })
    await expect(call(noUsers, 'obtainTokenPair', LOGIN)).rejects.toBeInstanceOf(ConfigurationError)
  })
})

describe('refreshToken', () => {
  let sjwt: SimpleJWT
  let tokens: MemoryTokenStore
  beforeAll(async () => {
    tokens = new MemoryTokenStore()
    sjwt = await setup({}, { tokens })
  })

  async function refreshFor(
    target: SimpleJWT,
    user: AuthUser = ALICE,
    claims = {},
  ): Promise<string> {
    return signed(await target.RefreshToken.forUser(user), claims)
  }

  it('returns an access token only, carrying the refresh token claims', async () => {
    const refresh = await refreshFor(sjwt, ALICE, { test_claim: 'arst' })
    now = T0 + 150_000
    const response = await call(sjwt, 'refreshToken', { refresh })
    expect(Object.keys(response.body as object)).toEqual(['access'])
    const access = decodeJwt(field(response, 'access'))
    expect(Object.keys(access)).toEqual([
      'token_type',
      'exp',
      'iat',
      'jti',
      'user_id',
      'test_claim',
    ])
    expect(access).toMatchObject({
      token_type: 'access',
      // Expiring from now; issued-at copied from the refresh token, as simplejwt does.
      exp: T0S + 150 + 300,
      iat: T0S,
      user_id: 1,
      test_claim: 'arst',
    })
    expect(access.jti).not.toBe(decodeJwt(refresh).jti)
  })

  it('refuses an access token: wrong type', async () => {
    const access = await (await sjwt.AccessToken.forUser(ALICE)).sign()
    expect401(
      await call(sjwt, 'refreshToken', { refresh: access }),
      tokenError('Token has wrong type'),
    )
    expect401(
      await call(sjwt, 'refreshToken', { refresh: access }, ko),
      tokenError('잘못된 토큰 타입'),
    )
  })

  it('refuses a token of another type, without exp, expired, or garbled', async () => {
    const wrongType = await refreshFor(sjwt, ALICE, { token_type: 'wrong_type' })
    expect401(
      await call(sjwt, 'refreshToken', { refresh: wrongType }),
      tokenError('Token has wrong type'),
    )
    const noExp = await refreshFor(sjwt, ALICE, { exp: undefined })
    expect401(
      await call(sjwt, 'refreshToken', { refresh: noExp }),
      tokenError("Token has no 'exp' claim"),
    )
    const expired = await refreshFor(sjwt)
    now = T0 + 86_400_000
    expect401(
      await call(sjwt, 'refreshToken', { refresh: expired }),
      tokenError('Token is invalid or expired'),
    )
    expect401(
      await call(sjwt, 'refreshToken', { refresh: 'a.b.c' }),
      tokenError('Token is invalid or expired'),
    )
  })

  it('rotates with ROTATE_REFRESH_TOKENS: a new refresh token with a new jti, recorded', async () => {
    const rotating = await setup({ ROTATE_REFRESH_TOKENS: true }, { tokens })
    const old = await refreshFor(rotating, ALICE, { test_claim: 'arst' })
    const oldClaims = decodeJwt(old)
    now = T0 + 150_000
    const response = await call(rotating, 'refreshToken', { refresh: old })
    expect(Object.keys(response.body as object)).toEqual(['access', 'refresh'])
    const rotated = decodeJwt(field(response, 'refresh'))
    const access = decodeJwt(field(response, 'access'))
    expect(Object.keys(rotated)).toEqual([
      'token_type',
      'exp',
      'iat',
      'jti',
      'user_id',
      'test_claim',
    ])
    expect(rotated).toMatchObject({
      token_type: 'refresh',
      exp: T0S + 150 + 86400,
      iat: T0S + 150,
      user_id: 1,
      test_claim: 'arst',
    })
    expect(rotated.jti).toMatch(/^[0-9a-f]{32}$/)
    expect(rotated.jti).not.toBe(oldClaims.jti)
    expect(access).toMatchObject({ exp: T0S + 150 + 300, test_claim: 'arst' })
    expect(tokens.outstanding(rotated.jti as string)).toMatchObject({
      userId: 1,
      createdAt: new Date(T0 + 150_000),
      expiresAt: new Date((T0S + 150 + 86400) * 1000),
    })
    // Without BLACKLIST_AFTER_ROTATION the old token still works.
    expect((await call(rotating, 'refreshToken', { refresh: old })).status).toBe(200)
    expect(await tokens.isBlacklisted(oldClaims.jti as string)).toBe(false)
  })

  it('blacklists the used token with BLACKLIST_AFTER_ROTATION', async () => {
    const store = new MemoryTokenStore()
    const strict = await setup(
      { ROTATE_REFRESH_TOKENS: true, BLACKLIST_AFTER_ROTATION: true },
      { tokens: store },
    )
    const old = await refreshFor(strict)
    const first = await call(strict, 'refreshToken', { refresh: old })
    const rotated = field(first, 'refresh')
    expect(await store.isBlacklisted(decodeJwt(old).jti as string)).toBe(true)
    expect(await store.isBlacklisted(decodeJwt(rotated).jti as string)).toBe(false)

    expect401(
      await call(strict, 'refreshToken', { refresh: old }),
      tokenError('Token is blacklisted'),
    )
    expect401(
      await call(strict, 'refreshToken', { refresh: old }, ko),
      tokenError('블랙리스트에 추가된 토큰'),
    )
    // The new one works once, too.
    expect((await call(strict, 'refreshToken', { refresh: rotated })).status).toBe(200)
    expect401(
      await call(strict, 'refreshToken', { refresh: rotated }),
      tokenError('Token is blacklisted'),
    )
  })

  it('lets exactly one of 20 concurrent rotations of one token succeed', async () => {
    const strict = await setup(
      { ROTATE_REFRESH_TOKENS: true, BLACKLIST_AFTER_ROTATION: true },
      { tokens: new MemoryTokenStore() },
    )
    const refresh = await refreshFor(strict)
    const responses = await Promise.all(
      Array.from({ length: 20 }, () => call(strict, 'refreshToken', { refresh })),
    )
    expect(responses.filter((r) => r.status === 200)).toHaveLength(1)
    const refused = responses.filter((r) => r.status !== 200)
    expect(refused).toHaveLength(19)
    for (const response of refused) expect401(response, tokenError('Token is blacklisted'))
  })

  it('refuses a user made inactive or deleted after the token was issued', async () => {
    const refresh = await refreshFor(sjwt)
    users.deactivate(1)
    const inactive = await call(sjwt, 'refreshToken', { refresh })
    expect401(inactive, NO_ACCOUNT_FOR_TOKEN)
    expect(JSON.stringify(inactive.body)).toBe(
      '{"detail":"No active account found for the given token."}',
    )
    users.reset()
    users.remove(1)
    expect401(await call(sjwt, 'refreshToken', { refresh }), NO_ACCOUNT_FOR_TOKEN)
    // A user that never existed.
    expect401(
      await call(sjwt, 'refreshToken', { refresh: await refreshFor(sjwt, { id: 99 }) }),
      NO_ACCOUNT_FOR_TOKEN,
    )
  })

  it('lets them refresh with CHECK_USER_IS_ACTIVE false, as 5.2.2 did', async () => {
    const lax = await setup({ CHECK_USER_IS_ACTIVE: false })
    users.deactivate(1)
    expect((await call(lax, 'refreshToken', { refresh: await refreshFor(lax) })).status).toBe(200)
    expect((await call(lax, 'refreshToken', { refresh: await refreshFor(lax, BOB) })).status).toBe(
      200,
    )
  })

  it('does not blacklist the token of a refused user', async () => {
    const store = new MemoryTokenStore()
    const strict = await setup(
      { ROTATE_REFRESH_TOKENS: true, BLACKLIST_AFTER_ROTATION: true },
      { tokens: store },
    )
    const refresh = await refreshFor(strict)
    users.deactivate(1)
    expect401(await call(strict, 'refreshToken', { refresh }), NO_ACCOUNT_FOR_TOKEN)
    expect(await store.isBlacklisted(decodeJwt(refresh).jti as string)).toBe(false)
  })

  it('refreshes a token that names no user', async () => {
    const anonymous = await new sjwt.RefreshToken().sign()
    const access = decodeJwt(
      field(await call(sjwt, 'refreshToken', { refresh: anonymous }), 'access'),
    )
    expect(access['user_id']).toBeUndefined()
  })
})

describe('verifyToken', () => {
  let sjwt: SimpleJWT
  beforeAll(async () => {
    sjwt = await setup({}, { tokens: new MemoryTokenStore() })
  })

  it('accepts a valid token of any type, even an unknown one', async () => {
    const tokens = [
      await (await sjwt.AccessToken.forUser(ALICE)).sign(),
      await (await sjwt.RefreshToken.forUser(ALICE)).sign(),
      await (await sjwt.SlidingToken.forUser(ALICE)).sign(),
      await signed(await sjwt.RefreshToken.forUser(ALICE), { token_type: 'fake_type' }),
    ]
    for (const token of tokens) {
      const response = await call(sjwt, 'verifyToken', { token })
      expect(response.status).toBe(200)
      expect(response.body).toEqual({})
      expect(response.headers['www-authenticate']).toBeUndefined()
    }
  })

  it('refuses invalid tokens with token_not_valid', async () => {
    const valid = await (await sjwt.AccessToken.forUser(ALICE)).sign()
    const [header, payload] = valid.split('.')
    for (const token of ['garbage', 'a.b.c', `${header}.${payload}.AAAA`, `${valid}x`]) {
      expect401(
        await call(sjwt, 'verifyToken', { token }),
        tokenError('Token is invalid or expired'),
      )
    }
    expect401(
      await call(sjwt, 'verifyToken', { token: 'garbage' }, ko),
      tokenError('유효하지 않거나 만료된 토큰'),
    )
  })

  it('refuses a token without exp, and an expired one', async () => {
    const noExp = await signed(await sjwt.RefreshToken.forUser(ALICE), { exp: undefined })
    expect401(
      await call(sjwt, 'verifyToken', { token: noExp }),
      tokenError("Token has no 'exp' claim"),
    )
    const token = await (await sjwt.AccessToken.forUser(ALICE)).sign()
    now = T0 + 300_000
    expect401(await call(sjwt, 'verifyToken', { token }), tokenError('Token is invalid or expired'))
  })

  it('refuses a blacklisted token with 400, untranslated, under BLACKLIST_AFTER_ROTATION', async () => {
    const store = new MemoryTokenStore()
    const strict = await setup(
      { ROTATE_REFRESH_TOKENS: true, BLACKLIST_AFTER_ROTATION: true },
      { tokens: store },
    )
    const refresh = await (await strict.RefreshToken.forUser(ALICE)).sign()
    expect((await call(strict, 'blacklistToken', { refresh })).status).toBe(200)
    for (const headers of [{}, ko]) {
      const response = await call(strict, 'verifyToken', { token: refresh }, headers)
      expect(response.status).toBe(400)
      expect(response.body).toEqual({ non_field_errors: ['Token is blacklisted'] })
      expect(response.headers['www-authenticate']).toBeUndefined()
    }
  })

  it('accepts a blacklisted token without BLACKLIST_AFTER_ROTATION, as simplejwt does', async () => {
    const refresh = await (await sjwt.RefreshToken.forUser(ALICE)).sign()
    expect((await call(sjwt, 'blacklistToken', { refresh })).status).toBe(200)
    const response = await call(sjwt, 'verifyToken', { token: refresh })
    expect(response.status).toBe(200)
    expect(response.body).toEqual({})
  })
})

describe('blacklistToken', () => {
  let sjwt: SimpleJWT
  let tokens: MemoryTokenStore
  beforeAll(async () => {
    tokens = new MemoryTokenStore()
    sjwt = await setup({}, { tokens })
  })

  it('blacklists once, then answers "Token is blacklisted"', async () => {
    const refresh = await (await sjwt.RefreshToken.forUser(ALICE)).sign()
    const jti = decodeJwt(refresh).jti as string
    const response = await call(sjwt, 'blacklistToken', { refresh })
    expect(response.status).toBe(200)
    expect(response.body).toEqual({})
    expect(await tokens.isBlacklisted(jti)).toBe(true)

    expect401(await call(sjwt, 'blacklistToken', { refresh }), tokenError('Token is blacklisted'))
    // And the token can no longer be refreshed.
    expect401(await call(sjwt, 'refreshToken', { refresh }), tokenError('Token is blacklisted'))
  })

  it('records a token it never issued as outstanding when blacklisting it', async () => {
    const issuer = await setup()
    const refresh = await signed(new issuer.RefreshToken(), { test_claim: 'arst' })
    const jti = decodeJwt(refresh).jti as string
    expect(tokens.outstanding(jti)).toBeUndefined()
    expect((await call(sjwt, 'blacklistToken', { refresh })).status).toBe(200)
    expect(tokens.outstanding(jti)).toMatchObject({ jti, userId: null, createdAt: null })
  })

  it('refuses access tokens, invalid and expired tokens', async () => {
    const access = await (await sjwt.AccessToken.forUser(ALICE)).sign()
    expect401(
      await call(sjwt, 'blacklistToken', { refresh: access }),
      tokenError('Token has wrong type'),
    )
    const wrong = await signed(await sjwt.RefreshToken.forUser(ALICE), { token_type: 'wrong_type' })
    expect401(
      await call(sjwt, 'blacklistToken', { refresh: wrong }),
      tokenError('Token has wrong type'),
    )
    const noExp = await signed(await sjwt.RefreshToken.forUser(ALICE), { exp: undefined })
    expect401(
      await call(sjwt, 'blacklistToken', { refresh: noExp }),
      tokenError("Token has no 'exp' claim"),
    )
    const old = await (await sjwt.RefreshToken.forUser(ALICE)).sign()
    now = T0 + 86_400_000
    expect401(
      await call(sjwt, 'blacklistToken', { refresh: old }),
      tokenError('Token is invalid or expired'),
    )
  })

  it('needs a TokenStore: a configuration error, not a response', async () => {
    const bare = await setup()
    const refresh = await (await bare.RefreshToken.forUser(ALICE)).sign()
    await expect(call(bare, 'blacklistToken', { refresh })).rejects.toBeInstanceOf(
      ConfigurationError,
    )
  })

  it('refuses to start with BLACKLIST_AFTER_ROTATION but no TokenStore', async () => {
    await expect(
      setup({ ROTATE_REFRESH_TOKENS: true, BLACKLIST_AFTER_ROTATION: true }),
    ).rejects.toBeInstanceOf(ConfigurationError)
    await expect(setup({ BLACKLIST_AFTER_ROTATION: true })).rejects.toBeInstanceOf(
      ConfigurationError,
    )
  })
})

describe('sliding tokens', () => {
  let sjwt: SimpleJWT
  let tokens: MemoryTokenStore
  beforeAll(async () => {
    tokens = new MemoryTokenStore()
    sjwt = await setup({}, { tokens })
  })

  it('obtains a sliding token with the right claims', async () => {
    const response = await call(sjwt, 'obtainSlidingToken', LOGIN)
    expect(Object.keys(response.body as object)).toEqual(['token'])
    const token = field(response, 'token')
    const claims = decodeJwt(token)
    expect(Object.keys(claims)).toEqual([
      'token_type',
      'exp',
      'iat',
      'jti',
      'refresh_exp',
      'user_id',
    ])
    expect(claims).toEqual({
      token_type: 'sliding',
      exp: T0S + 300,
      iat: T0S,
      jti: expect.stringMatching(/^[0-9a-f]{32}$/),
      refresh_exp: T0S + 86400,
      user_id: 1,
    })
    expect(tokens.outstanding(claims.jti as string)).toMatchObject({ userId: 1 })
    await expect(Promise.resolve(sjwt.SlidingToken.decode(token))).resolves.toBeDefined()
  })

  it('refuses wrong credentials and inactive users', async () => {
    expect401(
      await call(sjwt, 'obtainSlidingToken', { username: 'alice', password: 'x' }),
      NO_ACCOUNT,
    )
    expect401(
      await call(sjwt, 'obtainSlidingToken', { username: 'bob', password: 'bob-password' }),
      NO_ACCOUNT,
    )
  })

  it('takes a SLIDING_TOKEN_OBTAIN_SERIALIZER that adds a claim', async () => {
    class WithName extends TokenObtainSlidingSerializer {
      override async getToken(user: AuthUser): Promise<Token> {
        return (await super.getToken(user)).set('name', user['username'])
      }
    }
    const custom = await setup({ SLIDING_TOKEN_OBTAIN_SERIALIZER: WithName }, { tokens })
    expect(decodeJwt(field(await call(custom, 'obtainSlidingToken', LOGIN), 'token'))['name']).toBe(
      'alice',
    )
  })

  it('refreshes: same jti and refresh_exp, new exp and iat', async () => {
    const token = field(await call(sjwt, 'obtainSlidingToken', LOGIN), 'token')
    const before = decodeJwt(token)
    now = T0 + 100_000
    const response = await call(sjwt, 'refreshSlidingToken', { token })
    expect(Object.keys(response.body as object)).toEqual(['token'])
    const after = decodeJwt(field(response, 'token'))
    expect(Object.keys(after)).toEqual(Object.keys(before))
    expect(after).toEqual({
      ...before,
      exp: T0S + 100 + 300,
      iat: T0S + 100,
    })
    expect(after.jti).toBe(before.jti)
  })

  it('refuses a token whose refresh_exp has passed: "Token \'refresh_exp\' claim has expired"', async () => {
    const token = await signed(await sjwt.SlidingToken.forUser(ALICE), { refresh_exp: T0S - 1 })
    expect401(
      await call(sjwt, 'refreshSlidingToken', { token }),
      tokenError("Token 'refresh_exp' claim has expired"),
    )
    expect401(
      await call(sjwt, 'refreshSlidingToken', { token }, ko),
      tokenError("토큰 'refresh_exp' 클레임이 만료되었습니다"),
    )
    // Expiring this very second counts as expired.
    const edge = await signed(await sjwt.SlidingToken.forUser(ALICE), { refresh_exp: T0S })
    expect401(
      await call(sjwt, 'refreshSlidingToken', { token: edge }),
      tokenError("Token 'refresh_exp' claim has expired"),
    )
  })

  it('refuses a token whose exp has passed, refresh_exp or not: decoding checks exp first', async () => {
    const token = field(await call(sjwt, 'obtainSlidingToken', LOGIN), 'token')
    now = T0 + 301_000
    expect401(
      await call(sjwt, 'refreshSlidingToken', { token }),
      tokenError('Token is invalid or expired'),
    )
    now = T0 + 86_401_000
    expect401(
      await call(sjwt, 'refreshSlidingToken', { token }),
      tokenError('Token is invalid or expired'),
    )
  })

  it('refuses a token without refresh_exp or exp: "Token has no \'…\' claim"', async () => {
    const noRefreshExp = await signed(await sjwt.SlidingToken.forUser(ALICE), {
      refresh_exp: undefined,
    })
    expect401(
      await call(sjwt, 'refreshSlidingToken', { token: noRefreshExp }),
      tokenError("Token has no 'refresh_exp' claim"),
    )
    expect401(
      await call(sjwt, 'refreshSlidingToken', { token: noRefreshExp }, ko),
      tokenError("토큰에 'refresh_exp' 클레임이 없음"),
    )
    const noExp = await signed(await sjwt.SlidingToken.forUser(ALICE), { exp: undefined })
    expect401(
      await call(sjwt, 'refreshSlidingToken', { token: noExp }),
      tokenError("Token has no 'exp' claim"),
    )
  })

  it('refuses other token types', async () => {
    const refresh = await (await sjwt.RefreshToken.forUser(ALICE)).sign()
    expect401(
      await call(sjwt, 'refreshSlidingToken', { token: refresh }),
      tokenError('Token has wrong type'),
    )
    const wrong = await signed(await sjwt.SlidingToken.forUser(ALICE), { token_type: 'wrong_type' })
    expect401(
      await call(sjwt, 'refreshSlidingToken', { token: wrong }),
      tokenError('Token has wrong type'),
    )
  })

  it('refuses a blacklisted sliding token', async () => {
    const token = await sjwt.SlidingToken.forUser(ALICE)
    const signedToken = await token.sign()
    const decoded = await sjwt.SlidingToken.decode(signedToken)
    expect(await decoded.blacklist()).toBe(true)
    expect401(
      await call(sjwt, 'refreshSlidingToken', { token: signedToken }),
      tokenError('Token is blacklisted'),
    )
  })

  it('refuses a user made inactive or deleted after the token was issued', async () => {
    const token = await (await sjwt.SlidingToken.forUser(ALICE)).sign()
    users.deactivate(1)
    expect401(await call(sjwt, 'refreshSlidingToken', { token }), NO_ACCOUNT_FOR_TOKEN)
    users.reset()
    users.remove(1)
    expect401(await call(sjwt, 'refreshSlidingToken', { token }), NO_ACCOUNT_FOR_TOKEN)
  })
})

describe('stores that cannot answer (fail closed)', () => {
  const STORE_UNAVAILABLE = {
    detail: 'Service temporarily unavailable, try again later.',
    code: 'store_unavailable',
  }
  const broken = new Error('connection refused')
  const throwing: UserStore = {
    getUser: () => {
      throw broken
    },
    authenticate: () => {
      throw broken
    },
  }
  const rejecting: UserStore = {
    getUser: () => Promise.reject(broken),
    authenticate: () => Promise.reject(broken),
  }

  it.each([
    ['rejects', rejecting],
    ['throws', throwing],
  ])('answers 503 to a login when the UserStore %s', async (_, store) => {
    const sjwt = await setup({}, { users: store })
    for (const endpoint of ['obtainTokenPair', 'obtainSlidingToken'] as const) {
      const response = await call(sjwt, endpoint, LOGIN)
      expect(response.status).toBe(503)
      expect(response.body).toEqual(STORE_UNAVAILABLE)
    }
  })

  it.each([
    ['rejects', rejecting],
    ['throws', throwing],
  ])('answers 503 to a refresh when the UserStore %s', async (_, store) => {
    const sjwt = await setup({}, { users: store, tokens: new MemoryTokenStore() })
    const refresh = await (await sjwt.RefreshToken.forUser(ALICE)).sign()
    const sliding = await (await sjwt.SlidingToken.forUser(ALICE)).sign()
    expect((await call(sjwt, 'refreshToken', { refresh })).body).toEqual(STORE_UNAVAILABLE)
    expect((await call(sjwt, 'refreshSlidingToken', { token: sliding })).body).toEqual(
      STORE_UNAVAILABLE,
    )
  })

  it('answers 503 when updateLastLogin fails', async () => {
    const failing: UserStore = {
      getUser: (field, value) => users.getUser(field, value),
      authenticate: (credentials) => users.authenticate(credentials),
      updateLastLogin: () => Promise.reject(broken),
    }
    const sjwt = await setup({ UPDATE_LAST_LOGIN: true }, { users: failing })
    expect((await call(sjwt, 'obtainTokenPair', LOGIN)).status).toBe(503)
  })

  it('answers 503 to every blacklist operation when the TokenStore fails', async () => {
    const tokens = new MemoryTokenStore()
    const issuer = await setup({}, { tokens })
    const refresh = await (await issuer.RefreshToken.forUser(ALICE)).sign()
    const failing = {
      addOutstanding: () => Promise.reject(broken),
      blacklist: () => Promise.reject(broken),
      isBlacklisted: () => Promise.reject(broken),
      flushExpired: () => Promise.reject(broken),
    }
    const sjwt = await setup(
      { ROTATE_REFRESH_TOKENS: true, BLACKLIST_AFTER_ROTATION: true },
      { tokens: failing },
    )
    for (const [endpoint, body] of [
      ['obtainTokenPair', LOGIN],
      ['obtainSlidingToken', LOGIN],
      ['refreshToken', { refresh }],
      ['blacklistToken', { refresh }],
      ['verifyToken', { token: refresh }],
    ] as const) {
      const response = await call(sjwt, endpoint, body)
      expect(response.status, endpoint).toBe(503)
      expect(response.body).toEqual(STORE_UNAVAILABLE)
    }
  })
})

// A small deterministic generator, so that a failure can be replayed.
function random(seed: number): () => number {
  let state = seed >>> 0
  return () => {
    state = (state + 0x6d2b79f5) >>> 0
    let t = state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

const MB = 1024 * 1024
const NASTY_STRINGS = [
  '',
  ' ',
  '\0',
  'a\0b',
  '\ud800',
  '\udfff',
  'x\udc00\ud800y',
  '\ud83d\ude00',
  '\ufffd\ufffe\uffff',
  'Ã©Ã¨â€™',
  '\x80\x81\xfe\xff',
  '\u202e\u200b\ufeff',
  'a.b.c',
  '...',
  'eyJhbGciOiJub25lIn0.eyJ1c2VyX2lkIjoxfQ.',
  'eyJhbGciOiJIUzI1NiJ9.e30.AAAA',
  'Bearer x',
  '__proto__',
  'constructor',
  '{}',
  'null',
  'x'.repeat(MB),
  ' '.repeat(MB),
  `${' '.repeat(MB)}x`,
  `${'\ud800'.repeat(MB / 2)}`,
  `${'a.'.repeat(MB / 2)}`,
  '\0'.repeat(MB),
]

function randomString(next: () => number): string {
  const kind = Math.floor(next() * 4)
  if (kind === 0) return NASTY_STRINGS[Math.floor(next() * NASTY_STRINGS.length)] as string
  const length = Math.floor(next() * 40)
  let text = ''
  for (let i = 0; i < length; i++) {
    // ASCII, then the whole BMP including unpaired surrogates.
    text += String.fromCharCode(
      kind === 1 ? Math.floor(next() * 128) : Math.floor(next() * 0x10000),
    )
  }
  return text
}

function randomValue(next: () => number, depth = 0): unknown {
  const kind = Math.floor(next() * (depth > 2 ? 6 : 8))
  switch (kind) {
    case 0:
      return null
    case 1:
      return next() < 0.5
    case 2: {
      const numbers = [
        0,
        -0,
        1,
        -1,
        1.5,
        1e21,
        1e-7,
        2 ** 53 + 1,
        Number.MAX_VALUE,
        -Number.MIN_VALUE,
      ]
      return next() < 0.5 ? numbers[Math.floor(next() * numbers.length)] : (next() - 0.5) * 1e6
    }
    case 3:
    case 4:
    case 5:
      return randomString(next)
    case 6:
      return Array.from({ length: Math.floor(next() * 4) }, () => randomValue(next, depth + 1))
    default: {
      const object: Record<string, unknown> = {}
      for (let i = Math.floor(next() * 4); i > 0; i--)
        object[randomString(next)] = randomValue(next, depth + 1)
      return object
    }
  }
}

/** A body for `endpoint`: a random JSON value, or an object with its fields set to random values. */
function randomBody(next: () => number, endpoint: Endpoint): unknown {
  const roll = next()
  if (roll < 0.3) return randomValue(next)
  const body: Record<string, unknown> = roll < 0.4 ? JSON.parse('{"__proto__": {"x": 1}}') : {}
  for (const name of FIELDS[endpoint]) {
    if (next() < 0.85) body[name] = next() < 0.6 ? randomString(next) : randomValue(next)
  }
  if (next() < 0.3) body[randomString(next)] = randomValue(next)
  return body
}

describe('bad input never throws', () => {
  let sjwt: SimpleJWT
  beforeAll(async () => {
    sjwt = await setup(
      { ROTATE_REFRESH_TOKENS: true, BLACKLIST_AFTER_ROTATION: true },
      { tokens: new MemoryTokenStore() },
    )
  })

  it.each(ENDPOINTS)(
    '%s answers 400 or 401 with a JSON body to 200 random bodies',
    async (endpoint) => {
      const next = random(0x5eed + ENDPOINTS.indexOf(endpoint))
      for (let i = 0; i < 200; i++) {
        const body = randomBody(next, endpoint)
        const language = next() < 0.2 ? 'ko' : 'en'
        let response: CoreResponse
        try {
          response = await call(sjwt, endpoint, body, { 'accept-language': language })
        } catch (error) {
          throw new Error(`body #${i} threw: ${String(error)}`, { cause: error })
        }
        expect([400, 401], `body #${i}`).toContain(response.status)
        const json = JSON.stringify(response.body)
        expect(typeof json).toBe('string')
        expect(JSON.parse(json)).toEqual(response.body)
        expect(typeof response.body).toBe('object')
        if (response.status === 401)
          expect(response.headers['www-authenticate']).toBe('Bearer realm="api"')
      }
    },
    60_000,
  )

  // Trimming must be linear: a quadratic scan of 2 MB would take hours, so a 20 s bound on this
  // noisy machine still tells the two apart without timing anything finer.
  it('answers a megabyte of spaces before a letter without a quadratic scan', async () => {
    const started = performance.now()
    const response = await call(sjwt, 'verifyToken', {
      token: `${' '.repeat(MB)}x${' '.repeat(MB)}`,
    })
    expect401(response, tokenError('Token is invalid or expired'))
    expect(performance.now() - started).toBeLessThan(20_000)
  }, 30_000)
})
