import { beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { issuedBeforeRevocation } from './blacklist'
import { ConfigurationError } from './errors'
import { MemoryTokenStore, MemoryUserStore } from './memory'
import type { CoreResponse } from './responses'
import type { DjangoSettings } from './settings'
import { createSimpleJWT, type SimpleJWT } from './simplejwt'
import type { TokenStore, UserStore } from './stores'
import { SlidingToken } from './tokens'

const SECRET = 'revocation-test-secret-0123456789abcdef'
// The last millisecond of a second: revokeUserTokens waits for the next one, 1 ms here.
const T0 = Date.UTC(2030, 0, 1, 12, 0, 0) + 999
const ALICE = { id: 1, username: 'alice' }
const BOB = { id: 2, username: 'bob' }
const json = { 'content-type': 'application/json' }
const bearer = (token: string) => ({ authorization: `Bearer ${token}` })
const BLACKLISTED = { detail: 'Token is blacklisted', code: 'token_not_valid' }
const STORE_UNAVAILABLE = {
  detail: 'Service temporarily unavailable, try again later.',
  code: 'store_unavailable',
}

let now = T0
beforeEach(() => {
  now = T0
})

let users: MemoryUserStore
beforeAll(async () => {
  users = await MemoryUserStore.create([
    { ...ALICE, password: 'alice-password' },
    { ...BOB, password: 'bob-password' },
  ])
}, 30_000)

const ROTATION = { ROTATE_REFRESH_TOKENS: true, BLACKLIST_AFTER_ROTATION: true }

function setup(
  settings: DjangoSettings = {},
  tokens: TokenStore = new MemoryTokenStore(),
  userStore: UserStore = users,
): Promise<SimpleJWT> {
  return createSimpleJWT({
    settings: { SIGNING_KEY: SECRET, ...settings },
    users: userStore,
    tokens,
    clock: () => now,
  })
}

async function login(sjwt: SimpleJWT, username = 'alice') {
  const response = await sjwt.obtainTokenPair({
    headers: json,
    body: { username, password: `${username}-password` },
  })
  expect(response.status).toBe(200)
  return response.body as { refresh: string; access: string }
}

const refresh = (sjwt: SimpleJWT, token: string) =>
  sjwt.refreshToken({ headers: json, body: { refresh: token } })

async function authenticated(sjwt: SimpleJWT, access: string, stateless = false) {
  return (await sjwt.authenticate({ headers: bearer(access) }, { stateless })).status
}

async function failure(sjwt: SimpleJWT, access: string): Promise<CoreResponse> {
  const outcome = await sjwt.authenticate({ headers: bearer(access) })
  if (outcome.status !== 'failed') throw new Error(`expected a failure, got ${outcome.status}`)
  return outcome.response
}

/** `target` with some methods replaced; the others still run on `target` (private fields). */
function override<T extends object>(target: T, methods: Partial<T>): T {
  return new Proxy(target, {
    get(t, key) {
      if (Object.hasOwn(methods, key)) return methods[key as keyof T]
      const value = Reflect.get(t, key)
      return typeof value === 'function' ? value.bind(t) : value
    },
  })
}

const payload = (token: string) =>
  JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString()) as Record<
    string,
    unknown
  >

describe('the new settings', () => {
  it('default to off, with the claims family and hash_password, in both spellings', async () => {
    const sjwt = await setup()
    expect(sjwt.settings).toMatchObject({
      refreshTokenReuseDetection: false,
      tokenFamilyClaim: 'family',
      checkRevokeToken: false,
      revokeTokenClaim: 'hash_password',
    })
    const upper = await setup({
      ...ROTATION,
      REFRESH_TOKEN_REUSE_DETECTION: true,
      TOKEN_FAMILY_CLAIM: 'fam',
      CHECK_REVOKE_TOKEN: true,
      REVOKE_TOKEN_CLAIM: 'pwd',
    })
    const camel = await createSimpleJWT({
      settings: {
        signingKey: SECRET,
        rotateRefreshTokens: true,
        blacklistAfterRotation: true,
        refreshTokenReuseDetection: true,
        tokenFamilyClaim: 'fam',
        checkRevokeToken: true,
        revokeTokenClaim: 'pwd',
      },
      users,
      tokens: new MemoryTokenStore(),
    })
    for (const s of [upper.settings, camel.settings]) {
      expect(s).toMatchObject({
        refreshTokenReuseDetection: true,
        tokenFamilyClaim: 'fam',
        checkRevokeToken: true,
        revokeTokenClaim: 'pwd',
      })
    }
  })

  it('leave tokens as simplejwt 5.2.2 makes them when off', async () => {
    const sjwt = await setup(ROTATION)
    const { refresh: token, access } = await login(sjwt)
    expect(Object.keys(payload(token)).sort()).toEqual([
      'exp',
      'iat',
      'jti',
      'token_type',
      'user_id',
    ])
    expect(Object.keys(payload(access)).sort()).toEqual([
      'exp',
      'iat',
      'jti',
      'token_type',
      'user_id',
    ])
  })

  it('are checked at start-up', async () => {
    const create = (
      settings: DjangoSettings,
      options: { tokens?: TokenStore; users?: UserStore },
    ) => createSimpleJWT({ settings: { SIGNING_KEY: SECRET, ...settings }, ...options })
    const tokens = new MemoryTokenStore()
    await expect(
      create({ REFRESH_TOKEN_REUSE_DETECTION: true, ROTATE_REFRESH_TOKENS: true }, { tokens }),
    ).rejects.toThrow(/needs ROTATE_REFRESH_TOKENS and BLACKLIST_AFTER_ROTATION/)
    await expect(create({ REFRESH_TOKEN_REUSE_DETECTION: 'yes' } as never, {})).rejects.toThrow(
      ConfigurationError,
    )
    // A store with only simplejwt's four methods.
    const plain: TokenStore = {
      addOutstanding: (t) => tokens.addOutstanding(t),
      blacklist: (t, at) => tokens.blacklist(t, at),
      isBlacklisted: (jti) => tokens.isBlacklisted(jti),
      flushExpired: (at) => tokens.flushExpired(at),
    }
    await expect(
      create({ ...ROTATION, REFRESH_TOKEN_REUSE_DETECTION: true }, { tokens: plain }),
    ).rejects.toThrow(/revokeFamily/)
    await expect(
      create(
        { ...ROTATION, REFRESH_TOKEN_REUSE_DETECTION: true, TOKEN_FAMILY_CLAIM: 'jti' },
        {
          tokens,
        },
      ),
    ).rejects.toThrow(/TOKEN_FAMILY_CLAIM 'jti'/)
    await expect(create({ CHECK_REVOKE_TOKEN: true }, {})).rejects.toThrow(/revocationStamp/)
    const noStamp: UserStore = { getUser: async () => null, authenticate: async () => null }
    await expect(create({ CHECK_REVOKE_TOKEN: true }, { users: noStamp })).rejects.toThrow(
      /revocationStamp/,
    )
    await expect(
      create({ CHECK_REVOKE_TOKEN: true, REVOKE_TOKEN_CLAIM: 'user_id' }, { users }),
    ).rejects.toThrow(/REVOKE_TOKEN_CLAIM 'user_id'/)
    // Off, the claims may be anything, as before.
    await expect(create({ USER_ID_CLAIM: 'family' }, {})).resolves.toBeDefined()
  })
})

describe('REFRESH_TOKEN_REUSE_DETECTION', () => {
  const REUSE = { ...ROTATION, REFRESH_TOKEN_REUSE_DETECTION: true }

  it('gives each login a family, kept by rotation, not copied into access tokens', async () => {
    const sjwt = await setup(REUSE)
    const first = await login(sjwt)
    const other = await login(sjwt)
    const family = payload(first.refresh)['family']
    expect(family).toMatch(/^[0-9a-f]{32}$/)
    expect(payload(other.refresh)['family']).not.toBe(family)
    expect(payload(first.access)).not.toHaveProperty('family')

    const rotated = (await refresh(sjwt, first.refresh)).body as { refresh: string; access: string }
    expect(payload(rotated.refresh)['family']).toBe(family)
    expect(payload(rotated.refresh)['jti']).not.toBe(payload(first.refresh)['jti'])
    expect(payload(rotated.access)).not.toHaveProperty('family')
    // Sliding tokens are not rotated and have none.
    const sliding = await sjwt.SlidingToken.forUser(ALICE)
    expect(sliding.has('family')).toBe(false)
  })

  it('revokes the family when a rotated refresh token is presented again', async () => {
    const tokens = new MemoryTokenStore()
    const sjwt = await setup(REUSE, tokens)
    const stolen = (await login(sjwt)).refresh
    const family = payload(stolen)['family'] as string
    const { refresh: newest } = (await refresh(sjwt, stolen)).body as { refresh: string }
    const unrelated = (await login(sjwt)).refresh

    // The thief (or the victim) replays the rotated token: the usual 401, and the family is gone.
    const replay = await refresh(sjwt, stolen)
    expect(replay).toMatchObject({ status: 401, body: BLACKLISTED })
    expect(await tokens.isFamilyRevoked(family)).toBe(true)
    expect(await refresh(sjwt, newest)).toMatchObject({ status: 401, body: BLACKLISTED })
    // Not even the blacklist endpoint takes a token of the family.
    expect(await sjwt.blacklistToken({ headers: json, body: { refresh: newest } })).toMatchObject({
      status: 401,
      body: BLACKLISTED,
    })
    // Other logins are untouched.
    expect((await refresh(sjwt, unrelated)).status).toBe(200)
  })

  it('lets exactly one of concurrent refreshes win, and revokes the family then', async () => {
    const tokens = new MemoryTokenStore()
    const sjwt = await setup(REUSE, tokens)
    const token = (await login(sjwt)).refresh
    const responses = await Promise.all(Array.from({ length: 10 }, () => refresh(sjwt, token)))
    const won = responses.filter((r) => r.status === 200)
    expect(won).toHaveLength(1)
    for (const lost of responses.filter((r) => r.status !== 200)) {
      expect(lost).toMatchObject({ status: 401, body: BLACKLISTED })
    }
    expect(await tokens.isFamilyRevoked(payload(token)['family'] as string)).toBe(true)
    const { refresh: winner } = (won[0]?.body ?? {}) as { refresh: string }
    expect((await refresh(sjwt, winner)).status).toBe(401)
  })

  it('revokes the family on a blacklisted token presented to the blacklist endpoint', async () => {
    const tokens = new MemoryTokenStore()
    const sjwt = await setup(REUSE, tokens)
    const token = (await login(sjwt)).refresh
    const logout = () => sjwt.blacklistToken({ headers: json, body: { refresh: token } })
    expect((await logout()).status).toBe(200)
    expect(await tokens.isFamilyRevoked(payload(token)['family'] as string)).toBe(false)
    expect(await logout()).toMatchObject({ status: 401, body: BLACKLISTED })
    expect(await tokens.isFamilyRevoked(payload(token)['family'] as string)).toBe(true)
  })

  it('keeps the family for a refresh lifetime (plus leeway) after the revocation', async () => {
    const revoked: Array<{ family: string; at: Date; expiresAt: Date }> = []
    const tokens = new MemoryTokenStore()
    const spy = override(tokens, {
      revokeFamily: (family: string, at: Date, expiresAt: Date) => {
        revoked.push({ family, at, expiresAt })
        return tokens.revokeFamily(family, at, expiresAt)
      },
    })
    const sjwt = await setup({ ...REUSE, LEEWAY: 30 }, spy)
    const token = (await login(sjwt)).refresh
    await refresh(sjwt, token)
    now += 5000
    await refresh(sjwt, token)
    expect(revoked).toEqual([
      {
        family: payload(token)['family'],
        at: new Date(now),
        expiresAt: new Date(now + (86400 + 30) * 1000),
      },
    ])
  })

  it('gives a family to a token from before it was switched on, at its rotation', async () => {
    const tokens = new MemoryTokenStore()
    const before = await setup(ROTATION, tokens)
    const old = (await login(before)).refresh
    expect(payload(old)).not.toHaveProperty('family')
    const sjwt = await setup(REUSE, tokens)
    const { refresh: rotated } = (await refresh(sjwt, old)).body as { refresh: string }
    expect(payload(rotated)['family']).toMatch(/^[0-9a-f]{32}$/)
    // The old token has no family to revoke, but is refused as blacklisted.
    expect(await refresh(sjwt, old)).toMatchObject({ status: 401, body: BLACKLISTED })
    expect((await refresh(sjwt, rotated)).status).toBe(200)
  })

  it('makes the verify endpoint refuse tokens of a revoked family', async () => {
    const sjwt = await setup(REUSE)
    const token = (await login(sjwt)).refresh
    const { refresh: newest } = (await refresh(sjwt, token)).body as { refresh: string }
    const verify = () => sjwt.verifyToken({ headers: json, body: { token: newest } })
    expect((await verify()).status).toBe(200)
    await refresh(sjwt, token)
    expect(await verify()).toMatchObject({
      status: 400,
      body: { non_field_errors: ['Token is blacklisted'] },
    })
  })

  it('fails closed when the store cannot answer about the family', async () => {
    const tokens = new MemoryTokenStore()
    const broken = override(tokens, {
      isFamilyRevoked: () => Promise.reject(new Error('connection refused')),
    })
    const sjwt = await setup(REUSE, broken)
    const token = (await login(sjwt)).refresh
    expect(await refresh(sjwt, token)).toMatchObject({ status: 503, body: STORE_UNAVAILABLE })
  })
})

describe('revokeUserTokens and logoutEverywhere', () => {
  it("blacklists the user's outstanding tokens and refuses the user's earlier tokens", async () => {
    const tokens = new MemoryTokenStore()
    const sjwt = await setup(ROTATION, tokens)
    const a = await login(sjwt)
    const b = await login(sjwt)
    const bob = await login(sjwt, 'bob')
    const sliding = await (await sjwt.SlidingToken.forUser(ALICE)).sign()
    now += 1000

    expect(await sjwt.revokeUserTokens(1)).toBe(3)
    expect(await tokens.isBlacklisted(payload(a.refresh)['jti'] as string)).toBe(true)
    for (const token of [a.refresh, b.refresh]) {
      expect(await refresh(sjwt, token)).toMatchObject({ status: 401, body: BLACKLISTED })
    }
    // Authentication with lookup sees the revocation of access tokens too.
    expect(await failure(sjwt, a.access)).toMatchObject({ status: 401, body: BLACKLISTED })
    const slidingAuth = await setup({ AUTH_TOKEN_CLASSES: [SlidingToken] }, tokens)
    expect((await failure(slidingAuth, sliding)).status).toBe(401)
    // Stateless authentication does not ask the store about access tokens.
    expect(await authenticated(sjwt, a.access, true)).toBe('authenticated')
    // Another user is untouched.
    expect(await authenticated(sjwt, bob.access)).toBe('authenticated')
    expect((await refresh(sjwt, bob.refresh)).status).toBe(200)
    // A new login works.
    now += 1000
    const again = await login(sjwt)
    expect(await authenticated(sjwt, again.access)).toBe('authenticated')
    expect((await refresh(sjwt, again.refresh)).status).toBe(200)
  })

  it('refuses every token of the second of the revocation, and resolves once it is over', async () => {
    const sjwt = await setup(ROTATION)
    const second = Date.UTC(2030, 0, 1, 13, 0, 0)
    now = second + 900
    const started = performance.now()
    await sjwt.revokeUserTokens(1)
    expect(performance.now() - started).toBeGreaterThanOrEqual(90)
    // A login that raced with the revocation: `iat` cannot tell it from one before.
    now = second + 950
    const raced = await login(sjwt)
    expect(await failure(sjwt, raced.access)).toMatchObject({ status: 401, body: BLACKLISTED })
    expect(await refresh(sjwt, raced.refresh)).toMatchObject({ status: 401, body: BLACKLISTED })
    now = second + 1000
    const after = await login(sjwt)
    expect(await authenticated(sjwt, after.access)).toBe('authenticated')
    const refreshed = (await refresh(sjwt, after.refresh)).body as { access: string }
    expect(await authenticated(sjwt, refreshed.access)).toBe('authenticated')
  })

  it('treats the user ids 1 and "1" as one user', async () => {
    const tokens = new MemoryTokenStore()
    const sjwt = await setup(ROTATION, tokens)
    const token = await sjwt.RefreshToken.forUser({ id: '1' })
    now += 1000
    expect(await sjwt.revokeUserTokens(1)).toBe(1)
    expect(await tokens.userRevokedAt('1')).toEqual(new Date(now))
    expect(await refresh(sjwt, await token.sign())).toMatchObject({ status: 401 })
  })

  it('keeps the revocation for the longest token lifetime (plus leeway)', async () => {
    const seen: Date[] = []
    const tokens = new MemoryTokenStore()
    const spy = override(tokens, {
      revokeUser: (userId: string | number, at: Date, expiresAt: Date) => {
        seen.push(at, expiresAt)
        return tokens.revokeUser(userId, at, expiresAt)
      },
    })
    const sjwt = await setup({ SLIDING_TOKEN_REFRESH_LIFETIME: 7 * 86400, LEEWAY: 10 }, spy)
    await sjwt.revokeUserTokens(1)
    expect(seen).toEqual([new Date(T0), new Date(T0 + (7 * 86400 + 10) * 1000)])
  })

  it('answers logoutEverywhere with 200 {} for the authenticated user, 401 for no one', async () => {
    const tokens = new MemoryTokenStore()
    const sjwt = await setup(ROTATION, tokens)
    const { access, refresh: token } = await login(sjwt)
    const response = await sjwt.logoutEverywhere({ headers: { ...bearer(access), ...json } })
    expect(response).toMatchObject({ status: 200, body: {} })
    expect(response.headers['content-language']).toBe('en')
    expect(await tokens.userRevokedAt(1)).toEqual(new Date(T0))
    expect(await refresh(sjwt, token)).toMatchObject({ status: 401, body: BLACKLISTED })
    // The token used is refused now too.
    expect((await sjwt.logoutEverywhere({ headers: bearer(access) })).status).toBe(401)
    expect(await sjwt.logoutEverywhere({ headers: {} })).toMatchObject({
      status: 401,
      body: { detail: 'Authentication credentials were not provided.' },
    })
  })

  it('answers 503 when the store cannot answer, and recovers with it', async () => {
    const tokens = new MemoryTokenStore()
    let down = false
    const flaky = override(tokens, {
      revokeUser: (userId: string | number, at: Date, expiresAt: Date) =>
        down ? Promise.reject(new Error('down')) : tokens.revokeUser(userId, at, expiresAt),
      userRevokedAt: (userId: string | number) =>
        down ? Promise.reject(new Error('down')) : tokens.userRevokedAt(userId),
    })
    const sjwt = await setup(ROTATION, flaky)
    const { access } = await login(sjwt)
    down = true
    expect(await failure(sjwt, access)).toMatchObject({ status: 503, body: STORE_UNAVAILABLE })
    expect(await sjwt.logoutEverywhere({ headers: bearer(access) })).toMatchObject({
      status: 503,
      body: STORE_UNAVAILABLE,
    })
    await expect(sjwt.revokeUserTokens(1)).rejects.toMatchObject({ code: 'store_unavailable' })
    down = false
    expect(await authenticated(sjwt, access)).toBe('authenticated')
    expect((await sjwt.logoutEverywhere({ headers: bearer(access) })).status).toBe(200)
  })

  it('needs a TokenStore with the revocation methods', async () => {
    const noStore = await createSimpleJWT({ settings: { SIGNING_KEY: SECRET }, users })
    await expect(noStore.revokeUserTokens(1)).rejects.toThrow(ConfigurationError)
    await expect(noStore.logoutEverywhere({ headers: {} })).rejects.toThrow(ConfigurationError)
  })
})

describe('issuedBeforeRevocation', () => {
  const s = Date.UTC(2030, 0, 1) / 1000
  const at = new Date(s * 1000 + 400)
  it('compares whole seconds, refusing the second of the revocation', () => {
    expect(issuedBeforeRevocation(s - 1, at)).toBe(true)
    expect(issuedBeforeRevocation(s, at)).toBe(true)
    expect(issuedBeforeRevocation(s + 1, at)).toBe(false)
    expect(issuedBeforeRevocation(s - 100, null)).toBe(false)
    expect(issuedBeforeRevocation(undefined, at)).toBe(true)
    expect(issuedBeforeRevocation(String(s + 1), at)).toBe(true)
  })
})

describe('CHECK_REVOKE_TOKEN', () => {
  const CHECK = { CHECK_REVOKE_TOKEN: true }
  const PASSWORD_CHANGED = {
    detail: "The user's password has been changed.",
    code: 'password_changed',
  }
  let store: MemoryUserStore
  beforeEach(async () => {
    store = await MemoryUserStore.create([{ ...ALICE, password: 'alice-password' }])
  })

  it('writes a keyed hash of the stamp into every token issued for the user', async () => {
    const sjwt = await setup({ ...CHECK, ...ROTATION }, new MemoryTokenStore(), store)
    const { refresh: token, access } = await login(sjwt)
    const hash = payload(token)['hash_password']
    expect(hash).toMatch(/^[A-Za-z0-9_-]{43}$/)
    expect(payload(access)['hash_password']).toBe(hash)
    expect(String(hash)).not.toContain(String(await store.revocationStamp(ALICE)))
    const rotated = (await refresh(sjwt, token)).body as { refresh: string; access: string }
    expect(payload(rotated.refresh)['hash_password']).toBe(hash)
    expect(payload(rotated.access)['hash_password']).toBe(hash)
    expect((await sjwt.SlidingToken.forUser(ALICE)).get('hash_password')).toBe(hash)
    expect(await authenticated(sjwt, access)).toBe('authenticated')
  })

  it("refuses the user's tokens once the password changes, as simplejwt 5.3", async () => {
    const sjwt = await setup({ ...CHECK, ...ROTATION }, new MemoryTokenStore(), store)
    const before = await login(sjwt)
    await store.setPassword(ALICE, 'new-password')
    expect(await failure(sjwt, before.access)).toMatchObject({
      status: 401,
      body: PASSWORD_CHANGED,
    })
    // The message has no translation: it stays English in every language.
    const outcome = await sjwt.authenticate({
      headers: { ...bearer(before.access), 'accept-language': 'fr' },
    })
    expect(outcome).toMatchObject({ status: 'failed', response: { body: PASSWORD_CHANGED } })
    // simplejwt 5.3 does not check refresh, but the access tokens it gives carry the old hash.
    const refreshed = (await refresh(sjwt, before.refresh)).body as { access: string }
    expect(await failure(sjwt, refreshed.access)).toMatchObject({ body: PASSWORD_CHANGED })
    // Stateless authentication does not look the user up, so it cannot see the change.
    expect(await authenticated(sjwt, before.access, true)).toBe('authenticated')
    // Tokens issued after the change work.
    const after = await sjwt.obtainTokenPair({
      headers: json,
      body: { username: 'alice', password: 'new-password' },
    })
    expect(await authenticated(sjwt, (after.body as { access: string }).access)).toBe(
      'authenticated',
    )
  })

  it('refuses tokens without the claim, and tokens of another key', async () => {
    const sjwt = await setup(CHECK, new MemoryTokenStore(), store)
    const plain = await setup({}, new MemoryTokenStore(), store)
    const unchecked = await (await plain.AccessToken.forUser(ALICE)).sign()
    expect(await failure(sjwt, unchecked)).toMatchObject({ body: PASSWORD_CHANGED })
    const forged = await sjwt.AccessToken.forUser(ALICE)
    forged.set('hash_password', 'A'.repeat(43))
    expect(await failure(sjwt, await forged.sign())).toMatchObject({ body: PASSWORD_CHANGED })
  })

  it('uses REVOKE_TOKEN_CLAIM', async () => {
    const sjwt = await setup({ ...CHECK, REVOKE_TOKEN_CLAIM: 'pwd' }, new MemoryTokenStore(), store)
    const token = await sjwt.AccessToken.forUser(ALICE)
    expect(token.has('pwd')).toBe(true)
    expect(token.has('hash_password')).toBe(false)
  })

  it('fails closed when the user store cannot give the stamp', async () => {
    const broken = override(store, {
      revocationStamp: () => Promise.reject(new Error('connection refused')),
    })
    const issuer = await setup(CHECK, new MemoryTokenStore(), store)
    const access = await (await issuer.AccessToken.forUser(ALICE)).sign()
    const sjwt = await setup(CHECK, new MemoryTokenStore(), broken)
    expect(await failure(sjwt, access)).toMatchObject({ status: 503, body: STORE_UNAVAILABLE })
  })
})
