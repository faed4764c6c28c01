import { describe, expect, it } from 'vitest'
import { ConfigurationError } from '../errors'
import {
  DEFAULT_TOKEN_CACHE,
  ENTRY_OVERHEAD,
  resolveTokenCache,
  VerifiedTokenCache,
} from './token-cache'

const payload = (exp: unknown, extra: Record<string, unknown> = {}) => ({ exp, ...extra })
const put = (cache: VerifiedTokenCache, token: string, value: Record<string, unknown>) =>
  cache.set(token, JSON.stringify(value), value)
const size = (token: string, value: unknown) =>
  2 * (token.length + JSON.stringify(value).length) + ENTRY_OVERHEAD

describe('VerifiedTokenCache', () => {
  it('serves a payload while exp is above the limit, and drops it at the limit', () => {
    const cache = new VerifiedTokenCache(DEFAULT_TOKEN_CACHE)
    put(cache, 'a.b.c', payload(100))
    expect(cache.get('a.b.c', 99)).toEqual({ exp: 100 })
    expect(cache.get('a.b.c', 100)).toBeUndefined()
    expect(cache.size).toBe(0)
    expect(cache.bytes).toBe(0)
    // Gone for good: an earlier limit does not bring it back.
    expect(cache.get('a.b.c', 0)).toBeUndefined()
  })

  it('compares exp as PyJWT does, in whole seconds', () => {
    const cache = new VerifiedTokenCache(DEFAULT_TOKEN_CACHE)
    put(cache, 't', payload(100.9))
    expect(cache.get('t', 99)).toBeDefined()
    expect(cache.get('t', 100)).toBeUndefined()
  })

  it('keys by the whole token', () => {
    const cache = new VerifiedTokenCache(DEFAULT_TOKEN_CACHE)
    put(cache, 'header.payload.signature', payload(100, { user_id: 1 }))
    expect(cache.get('header.payload.signatur', 0)).toBeUndefined()
    expect(cache.get('header.payload.signaturE', 0)).toBeUndefined()
    expect(cache.get('header.payload.signature ', 0)).toBeUndefined()
    expect(cache.get('header.payload.signature', 0)).toEqual({ exp: 100, user_id: 1 })
  })

  it('serves only the whole token whose entry holds it, when tokens end alike', () => {
    const cache = new VerifiedTokenCache(DEFAULT_TOKEN_CACHE)
    const tail = 'S'.repeat(40)
    put(cache, `h.one.${tail}`, payload(100, { user_id: 1 }))
    // Another token of the same key (the same last characters: a forgery, say) finds nothing,
    // and leaves the entry.
    expect(cache.get(`h.two.${tail}`, 0)).toBeUndefined()
    expect(cache.get(`x${'S'.repeat(31)}`, 0)).toBeUndefined()
    expect(cache.get(`h.one.${tail}`, 0)).toEqual({ exp: 100, user_id: 1 })
    // A verified token ending alike takes the place, and the bytes follow.
    put(cache, `h.two.${tail}`, payload(100, { user_id: 2 }))
    expect(cache.size).toBe(1)
    expect(cache.bytes).toBe(size(`h.two.${tail}`, payload(100, { user_id: 2 })))
    expect(cache.get(`h.one.${tail}`, 0)).toBeUndefined()
    expect(cache.get(`h.two.${tail}`, 0)).toEqual({ exp: 100, user_id: 2 })
  })

  it.each([
    ['no exp', {}],
    ['a string exp', { exp: '100' }],
    ['a null exp', { exp: null }],
    ['an infinite exp', { exp: Number.POSITIVE_INFINITY }],
  ])('never keeps a token with %s', (_, value) => {
    const cache = new VerifiedTokenCache(DEFAULT_TOKEN_CACHE)
    cache.set('t', JSON.stringify(value), value)
    expect(cache.size).toBe(0)
  })

  it('gives every hit its own payload, for flat and nested payloads alike', () => {
    const cache = new VerifiedTokenCache(DEFAULT_TOKEN_CACHE)
    const flat: Record<string, unknown> = payload(100, {
      user_id: 1,
      name: 'x',
      staff: false,
      none: null,
    })
    const nested = payload(100, { roles: ['a'], profile: { n: 1 } })
    put(cache, 'flat', flat)
    put(cache, 'nested', nested)
    // The caller's object, changed after it was kept, changes nothing kept.
    flat['user_id'] = 2
    for (const token of ['flat', 'nested']) {
      const first = cache.get(token, 0) as Record<string, unknown>
      const second = cache.get(token, 0) as Record<string, unknown>
      expect(first).not.toBe(second)
      expect(first).toEqual(second)
      first['exp'] = 0
      expect(cache.get(token, 0)).toEqual(second)
    }
    const inner = cache.get('nested', 0) as { roles: string[] }
    inner.roles.push('b')
    expect(cache.get('nested', 0)).toEqual(nested)
    expect(cache.get('flat', 0)).toEqual({
      exp: 100,
      user_id: 1,
      name: 'x',
      staff: false,
      none: null,
    })
  })

  it('copies as JSON.parse made the payload: key order, and a __proto__ key stays a key', () => {
    const cache = new VerifiedTokenCache(DEFAULT_TOKEN_CACHE)
    const json = '{"z":1,"exp":100,"__proto__":5,"1":true}'
    cache.set('t', json, JSON.parse(json))
    const hit = cache.get('t', 0) as Record<string, unknown>
    const parsed = JSON.parse(json) as Record<string, unknown>
    expect(Object.keys(hit)).toEqual(Object.keys(parsed))
    expect(Object.hasOwn(hit, '__proto__')).toBe(true)
    expect(Object.getPrototypeOf(hit)).toBe(Object.prototype)
    expect(JSON.stringify(hit)).toBe(JSON.stringify(parsed))
  })

  it('holds at most maxEntries, dropping the oldest first', () => {
    const cache = new VerifiedTokenCache({ maxEntries: 2, maxBytes: 1 << 20 })
    put(cache, 'one', payload(100))
    put(cache, 'two', payload(100))
    expect(cache.get('one', 0)).toBeDefined()
    put(cache, 'three', payload(100))
    expect(cache.size).toBe(2)
    expect(cache.get('one', 0)).toBeUndefined()
    expect(cache.get('two', 0)).toBeDefined()
    expect(cache.get('three', 0)).toBeDefined()
  })

  it('holds at most maxBytes, as counted, and never an entry larger than that', () => {
    const value = payload(100)
    const one = size('one', value)
    const cache = new VerifiedTokenCache({ maxEntries: 100, maxBytes: 2 * one })
    put(cache, 'one', value)
    put(cache, 'two', value)
    expect(cache.bytes).toBe(2 * one)
    put(cache, 'six', value)
    expect([cache.size, cache.bytes]).toEqual([2, 2 * one])
    expect(cache.get('one', 0)).toBeUndefined()
    put(cache, 'too-large', payload(100, { filler: 'x'.repeat(one) }))
    expect(cache.get('too-large', 0)).toBeUndefined()
    expect(cache.size).toBe(2)
  })

  it('counts a token kept again once', () => {
    const cache = new VerifiedTokenCache(DEFAULT_TOKEN_CACHE)
    put(cache, 't', payload(100))
    put(cache, 't', payload(100))
    expect([cache.size, cache.bytes]).toEqual([1, size('t', payload(100))])
    cache.clear()
    expect([cache.size, cache.bytes]).toEqual([0, 0])
  })

  it('keeps nothing with maxEntries 0', () => {
    const cache = new VerifiedTokenCache({ maxEntries: 0, maxBytes: 1 << 20 })
    put(cache, 't', payload(100))
    expect(cache.size).toBe(0)
  })

  it('stays within its bounds over many unique tokens', () => {
    const cache = new VerifiedTokenCache({ maxEntries: 1000, maxBytes: 64 * 1024 })
    for (let i = 0; i < 20_000; i++) put(cache, `token-${i}`, payload(100, { i }))
    expect(cache.size).toBeLessThanOrEqual(1000)
    expect(cache.bytes).toBeLessThanOrEqual(64 * 1024)
    expect(cache.get('token-19999', 0)).toEqual({ exp: 100, i: 19999 })
  })
})

describe('resolveTokenCache (VERIFIED_TOKEN_CACHE)', () => {
  it('is on with the default bounds unless JWK_URL is set', () => {
    expect(resolveTokenCache(undefined, null)).toEqual({ maxEntries: 10_000, maxBytes: 8 << 20 })
    expect(resolveTokenCache(true, null)).toEqual(DEFAULT_TOKEN_CACHE)
    expect(resolveTokenCache(undefined, 'https://example.com/jwks.json')).toBeNull()
    expect(resolveTokenCache(true, 'https://example.com/jwks.json')).toEqual(DEFAULT_TOKEN_CACHE)
  })

  it('is off with false or null', () => {
    expect(resolveTokenCache(false, null)).toBeNull()
    expect(resolveTokenCache(null, null)).toBeNull()
  })

  it('takes either bound, defaulting the other, frozen', () => {
    expect(resolveTokenCache({ maxEntries: 5 }, null)).toEqual({ maxEntries: 5, maxBytes: 8 << 20 })
    expect(resolveTokenCache({ maxBytes: 0 }, null)).toEqual({ maxEntries: 10_000, maxBytes: 0 })
    expect(Object.isFrozen(resolveTokenCache({ maxEntries: 5 }, null))).toBe(true)
  })

  it.each([
    ['a number', 5],
    ['a string', 'yes'],
    ['an array', []],
    ['an unknown bound', { maxItems: 5 }],
    ['a negative bound', { maxEntries: -1 }],
    ['a fractional bound', { maxBytes: 1.5 }],
    ['a string bound', { maxEntries: '5' }],
    ['an infinite bound', { maxBytes: Number.POSITIVE_INFINITY }],
  ])('refuses %s', (_, value) => {
    expect(() => resolveTokenCache(value, null)).toThrow(ConfigurationError)
    expect(() => resolveTokenCache(value, null)).toThrow(/VERIFIED_TOKEN_CACHE must be/)
  })
})
