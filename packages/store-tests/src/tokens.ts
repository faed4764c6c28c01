import type { OutstandingToken, TokenStore } from '@simplejwt/core'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'

/** A fresh, empty token store for one test, and how the suite reads back what it kept. */
export interface TokenStoreHarness {
  readonly store: TokenStore
  /** The record the store keeps for `jti`, so the suite can check what is stored. */
  outstanding(jti: string): OutstandingToken | undefined | Promise<OutstandingToken | undefined>
  close(): Promise<void>
}

// Time is frozen: every date in the suite is relative to this instant.
const NOW = new Date('2024-05-01T12:00:00.000Z')
const HOUR = 3_600_000

/** An outstanding-token record for `jti`, its digest taken from a made-up token string. */
async function record(
  jti: string,
  fields: { expiresIn?: number; userId?: string | number | null; createdAt?: Date | null } = {},
): Promise<OutstandingToken> {
  return {
    jti,
    userId: fields.userId === undefined ? 1 : fields.userId,
    tokenDigest: await sha256Hex(rawToken(jti)),
    createdAt: fields.createdAt === undefined ? new Date(NOW.getTime() - HOUR) : fields.createdAt,
    expiresAt: new Date(NOW.getTime() + (fields.expiresIn ?? 24 * HOUR)),
  }
}

function rawToken(jti: string): string {
  return `eyJhbGciOiJIUzI1NiJ9.eyJqdGkiOiJ${jti}In0.c2lnbmF0dXJl`
}

async function sha256Hex(text: string): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(text))
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, '0')).join('')
}

/**
 * The behaviour every `TokenStore` shares: simplejwt's outstanding-token list and blacklist.
 * `make` is called once a test and must return an empty store.
 */
export function runTokenStoreSuite(name: string, make: () => Promise<TokenStoreHarness>): void {
  describe(`${name}: TokenStore conformance`, () => {
    let harness: TokenStoreHarness
    let store: TokenStore

    beforeEach(async () => {
      harness = await make()
      store = harness.store
    })
    afterEach(async () => {
      await harness.close()
    })

    it('keeps the first record of a jti: addOutstanding is idempotent', async () => {
      const first = await record('jti-1', { userId: 1 })
      await store.addOutstanding(first)
      await store.addOutstanding({ ...first, userId: 2, tokenDigest: 'f'.repeat(64) })
      await store.addOutstanding(first)
      expect(await harness.outstanding('jti-1')).toEqual(first)
      expect(await store.isBlacklisted('jti-1')).toBe(false)
    })

    it('blacklists a token once: true, then false', async () => {
      const token = await record('jti-1')
      await store.addOutstanding(token)
      expect(await store.blacklist(token, NOW)).toBe(true)
      expect(await store.blacklist(token, new Date(NOW.getTime() + 1000))).toBe(false)
      expect(await store.isBlacklisted('jti-1')).toBe(true)
    })

    it('records a token it never saw when blacklisting it', async () => {
      const token = await record('never-recorded', { userId: 'u-7', expiresIn: HOUR })
      expect(await store.blacklist(token, NOW)).toBe(true)
      expect(await store.isBlacklisted('never-recorded')).toBe(true)
      expect(await harness.outstanding('never-recorded')).toEqual(token)
      // It is an outstanding token like any other: it expires and is flushed.
      expect(await store.flushExpired(new Date(NOW.getTime() + 2 * HOUR))).toBe(1)
    })

    it('answers isBlacklisted for that jti only', async () => {
      const [a, b] = await Promise.all([record('jti-a'), record('jti-b')])
      expect(await store.isBlacklisted('jti-a')).toBe(false)
      await store.addOutstanding(a)
      await store.addOutstanding(b)
      expect(await store.isBlacklisted('jti-a')).toBe(false)
      await store.blacklist(a, NOW)
      expect(await store.isBlacklisted('jti-a')).toBe(true)
      expect(await store.isBlacklisted('jti-b')).toBe(false)
      expect(await store.isBlacklisted('JTI-A')).toBe(false)
      expect(await store.isBlacklisted('')).toBe(false)
    })

    it('lets exactly one of 50 concurrent blacklist calls of one token win', async () => {
      const token = await record('raced')
      const results = await Promise.all(
        Array.from({ length: 50 }, (_, i) => store.blacklist(token, new Date(NOW.getTime() + i))),
      )
      expect(results.filter((won) => won)).toHaveLength(1)
      expect(await store.isBlacklisted('raced')).toBe(true)
    })

    it('flushes only tokens that expired before now, with their blacklist entries', async () => {
      const expired = await record('expired', { expiresIn: -HOUR })
      const expiredBlacklisted = await record('expired-blacklisted', { expiresIn: -1 })
      const live = await record('live', { expiresIn: HOUR })
      const liveBlacklisted = await record('live-blacklisted', { expiresIn: 1 })
      const expiringNow = await record('expiring-now', { expiresIn: 0 })
      for (const token of [expired, live, expiringNow]) await store.addOutstanding(token)
      await store.blacklist(expiredBlacklisted, NOW)
      await store.blacklist(liveBlacklisted, NOW)

      expect(await store.flushExpired(NOW)).toBe(2)

      expect(await harness.outstanding('expired')).toBeUndefined()
      expect(await harness.outstanding('expired-blacklisted')).toBeUndefined()
      expect(await store.isBlacklisted('expired-blacklisted')).toBe(false)
      expect(await harness.outstanding('live')).toEqual(live)
      expect(await harness.outstanding('expiring-now')).toEqual(expiringNow)
      expect(await store.isBlacklisted('live-blacklisted')).toBe(true)
      expect(await store.flushExpired(NOW)).toBe(0)
    })

    it('stores the digest of a token, never the token: the record round-trips as given', async () => {
      // 42 and '42' are different user ids: toEqual tells them apart.
      const tokens = await Promise.all([
        record('numeric-user', { userId: 42 }),
        record('string-user', { userId: '42' }),
        record('no-user', { userId: null, createdAt: null }),
      ])
      for (const token of tokens) await store.addOutstanding(token)
      for (const token of tokens) {
        const stored = await harness.outstanding(token.jti)
        expect(stored).toEqual(token)
        expect(Object.keys(stored ?? {}).sort()).toEqual([
          'createdAt',
          'expiresAt',
          'jti',
          'tokenDigest',
          'userId',
        ])
        expect(stored?.tokenDigest).toMatch(/^[0-9a-f]{64}$/)
        expect(JSON.stringify(stored)).not.toContain(rawToken(token.jti))
      }
    })
  })
}
