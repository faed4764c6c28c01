// VERIFIED_TOKEN_CACHE through the library: a hit is indistinguishable from a miss, and changes
// nothing of what is checked on every use. Time is frozen and moved by hand.
import { beforeAll, beforeEach, describe, expect, it, vi } from 'vitest'
import { ConfigurationError, TokenError } from './errors'
import type { CryptoRuntime } from './lib/jws'
import { MemoryTokenStore, MemoryUserStore } from './memory'
import type { DjangoSettings } from './settings'
import { createSimpleJWT, type SimpleJWT } from './simplejwt'
import { SlidingToken, type Token } from './tokens'

// Counts the MACs computed, to tell a hit (no signature check) from a miss.
const macs = vi.hoisted(() => ({ count: 0 }))
vi.mock('#crypto', async (importOriginal) => {
  const original = await importOriginal<CryptoRuntime>()
  return {
    ...original,
    verifier: (...args: Parameters<CryptoRuntime['verifier']>) => {
      const verify = original.verifier(...args)
      if (verify === undefined) return undefined
      return (input: string, signature: Uint8Array) => {
        macs.count++
        return verify(input, signature)
      }
    },
  }
})

const SECRET = 'contract-secret-key-0123456789abcdef'
const T0 = Date.UTC(2030, 0, 1, 12, 0, 0)
let now = T0
const ALICE = { id: 1, username: 'alice' }
let users: MemoryUserStore

beforeAll(async () => {
  users = await MemoryUserStore.create([{ ...ALICE, password: 'alice-password' }])
}, 30_000)

beforeEach(() => {
  now = T0
  macs.count = 0
})

/** Counts the blacklist lookups. */
class CountingStore extends MemoryTokenStore {
  lookups = 0
  override async isBlacklisted(jti: string): Promise<boolean> {
    this.lookups++
    return super.isBlacklisted(jti)
  }
}

function setup(settings: DjangoSettings = {}, tokens?: MemoryTokenStore): Promise<SimpleJWT> {
  return createSimpleJWT({
    settings: { SIGNING_KEY: SECRET, ...settings },
    users,
    ...(tokens === undefined ? {} : { tokens }),
    clock: () => now,
  })
}

const bearer = (token: string) => ({ headers: { authorization: `Bearer ${token}` } })

/** An authentication outcome as plain data: what any caller could observe of it. */
function observed(outcome: Awaited<ReturnType<SimpleJWT['authenticate']>>) {
  if (outcome.status !== 'authenticated') return outcome
  const { token, user } = outcome
  return { status: outcome.status, user: { ...user }, token: shape(token) }
}

function shape(token: Token) {
  return {
    class: token.constructor.name,
    keys: Object.keys(token),
    token: token.token,
    payload: token.payload,
    currentTime: token.currentTime,
  }
}

describe('VERIFIED_TOKEN_CACHE', () => {
  it('is on by default: a token used again is not verified again', async () => {
    const sjwt = await setup()
    const token = await (await sjwt.AccessToken.forUser(ALICE)).sign()
    await sjwt.authenticate(bearer(token))
    await sjwt.authenticate(bearer(token))
    await sjwt.AccessToken.decode(token)
    expect(macs.count).toBe(1)
    const uncached = await setup({ VERIFIED_TOKEN_CACHE: false })
    await uncached.authenticate(bearer(token))
    await uncached.authenticate(bearer(token))
    expect(macs.count).toBe(3)
  })

  it('answers a hit exactly as a miss, with its own payload and a fresh currentTime', async () => {
    const cached = await setup()
    const uncached = await setup({ VERIFIED_TOKEN_CACHE: false })
    const token = await (await cached.AccessToken.forUser(ALICE)).sign()
    for (const stateless of [false, true]) {
      const first = await cached.authenticate(bearer(token), { stateless })
      now += 1500
      const hit = await cached.authenticate(bearer(token), { stateless })
      const miss = await uncached.authenticate(bearer(token), { stateless })
      expect(observed(hit)).toEqual(observed(miss))
      expect(hit.status === 'authenticated' && hit.token.currentTime).toBe(now)
      // Changing one token's payload changes no other's.
      if (first.status !== 'authenticated' || hit.status !== 'authenticated') throw new Error()
      first.token.set('user_id', 99)
      hit.token.set('extra', true)
      const again = await cached.authenticate(bearer(token), { stateless })
      expect(observed(again)).toEqual(observed(miss))
    }
  })

  it('keeps nested claims apart between hits', async () => {
    const sjwt = await setup()
    const access = await sjwt.AccessToken.forUser(ALICE)
    access.set('roles', ['reader'])
    const token = await access.sign()
    const first = await sjwt.AccessToken.decode(token)
    ;(first.get('roles') as string[]).push('writer')
    expect((await sjwt.AccessToken.decode(token)).get('roles')).toEqual(['reader'])
  })

  it.each([0, 10])('never serves a token past exp plus the leeway (LEEWAY %i)', async (leeway) => {
    const cached = await setup({ LEEWAY: leeway })
    const uncached = await setup({ LEEWAY: leeway, VERIFIED_TOKEN_CACHE: false })
    const token = await (await cached.AccessToken.forUser(ALICE)).sign()
    const exp = (await cached.AccessToken.decode(token)).get('exp') as number
    now = (exp + leeway) * 1000 - 1
    expect((await cached.authenticate(bearer(token))).status).toBe('authenticated')
    now = (exp + leeway) * 1000
    const refused = await cached.authenticate(bearer(token))
    expect(refused.status).toBe('failed')
    expect(refused).toEqual(await uncached.authenticate(bearer(token)))
    // Nor after, when the clock goes back.
    now = T0
    macs.count = 0
    expect((await cached.authenticate(bearer(token))).status).toBe('authenticated')
    expect(macs.count).toBe(1)
  })

  it('checks the claims against the clock on every hit (iat, nbf after a clock step back)', async () => {
    const cached = await setup()
    const uncached = await setup({ VERIFIED_TOKEN_CACHE: false })
    const access = await cached.AccessToken.forUser(ALICE)
    access.set('nbf', T0 / 1000)
    const token = await access.sign()
    expect((await cached.authenticate(bearer(token))).status).toBe('authenticated')
    now = T0 - 5000
    const refused = await cached.authenticate(bearer(token))
    expect(refused.status).toBe('failed')
    expect(refused).toEqual(await uncached.authenticate(bearer(token)))
  })

  it('still asks the blacklist on every use of a refresh token', async () => {
    const store = new CountingStore()
    const sjwt = await setup({}, store)
    const refresh = await sjwt.RefreshToken.forUser(ALICE)
    const token = await refresh.sign()
    await sjwt.RefreshToken.decode(token)
    await sjwt.RefreshToken.decode(token)
    expect([store.lookups, macs.count]).toEqual([2, 1])
    await (await sjwt.RefreshToken.decode(token)).blacklist()
    await expect(async () => sjwt.RefreshToken.decode(token)).rejects.toThrow(
      new TokenError({ template: 'Token is blacklisted', args: [] }),
    )
    expect(macs.count).toBe(1)
  })

  it('still asks the blacklist on every use of a sliding token', async () => {
    const store = new CountingStore()
    const sjwt = await setup({ AUTH_TOKEN_CLASSES: [SlidingToken] }, store)
    const sliding = await sjwt.SlidingToken.forUser(ALICE)
    const token = await sliding.sign()
    expect((await sjwt.authenticate(bearer(token))).status).toBe('authenticated')
    expect((await sjwt.authenticate(bearer(token))).status).toBe('authenticated')
    expect(store.lookups).toBe(2)
    await sliding.blacklist()
    const refused = await sjwt.authenticate(bearer(token))
    expect(refused.status === 'failed' && refused.response.body).toMatchObject({
      messages: [{ message: 'Token is blacklisted' }],
    })
    expect(macs.count).toBe(1)
  })

  it('checks the type on every use: a cached access token is still no refresh token', async () => {
    const sjwt = await setup()
    const token = await (await sjwt.AccessToken.forUser(ALICE)).sign()
    await sjwt.AccessToken.decode(token)
    await expect(async () => sjwt.RefreshToken.decode(token)).rejects.toThrow(
      'Token has wrong type',
    )
    expect(macs.count).toBe(1)
  })

  it('does not keep tokens decoded without verification', async () => {
    const sjwt = await setup()
    const token = await (await sjwt.AccessToken.forUser(ALICE)).sign()
    await sjwt.AccessToken.decode(token, { verify: false })
    await sjwt.AccessToken.decode(token)
    expect(macs.count).toBe(1)
  })

  it('is a setting in both spellings', async () => {
    const upper = await setup({ VERIFIED_TOKEN_CACHE: { maxEntries: 5 } })
    const camel = await createSimpleJWT({
      settings: { signingKey: SECRET, verifiedTokenCache: { maxEntries: 5 } },
    })
    expect(upper.settings.verifiedTokenCache).toEqual({ maxEntries: 5, maxBytes: 8 << 20 })
    expect(camel.settings.verifiedTokenCache).toEqual(upper.settings.verifiedTokenCache)
    expect((await setup({ VERIFIED_TOKEN_CACHE: false })).settings.verifiedTokenCache).toBeNull()
    await expect(setup({ VERIFIED_TOKEN_CACHE: { maxEntries: -1 } })).rejects.toThrow(
      ConfigurationError,
    )
  })

  it('is off by default with JWK_URL', async () => {
    const sjwt = await createSimpleJWT({
      settings: {
        ALGORITHM: 'RS256',
        JWK_URL: 'https://127.0.0.1:9/jwks.json',
      },
    })
    expect(sjwt.settings.verifiedTokenCache).toBeNull()
  })
})
