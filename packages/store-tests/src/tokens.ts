import { hasRevocation, type OutstandingToken, type RevocationStore } from '@simplejwt/core'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'

/** A fresh, empty token store for one test, and how the suite reads back what it kept. */
export interface TokenStoreHarness {
  /** The store: the core's `TokenStore` with its revocation methods. */
  readonly store: RevocationStore
  /** The record the store keeps for `jti`, so the suite can check what is stored. */
  outstanding(jti: string): OutstandingToken | undefined | Promise<OutstandingToken | undefined>
  /**
   * For `ttl` stores: milliseconds until the store forgets what it keeps about a token (`jti`),
   * a revoked family or a revoked user, or null when it keeps nothing.
   */
  remainingLife?(kind: 'token' | 'family' | 'user', id: string): Promise<number | null>
  close(): Promise<void>
}

/** What the suite tells the factory: the frozen time it runs at, for a store that keeps a clock. */
export interface TokenStoreContext {
  readonly now: Date
}

export interface TokenStoreSuiteOptions {
  /**
   * How the store forgets expired entries: `flush` (the default), when `flushExpired` is called;
   * `ttl`, by itself once a token's remaining life is over (its `flushExpired` resolves 0, and
   * its harness has `remainingLife`).
   */
  readonly expiry?: 'flush' | 'ttl'
}

// Time is frozen: every date in the suite is relative to this instant.
const NOW = new Date('2024-05-01T12:00:00.000Z')
const HOUR = 3_600_000
/** How far a ttl store's remaining life may be from the token's, in ms: the test's own run time. */
const MARGIN = 10_000

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
export function runTokenStoreSuite(
  name: string,
  make: (context: TokenStoreContext) => Promise<TokenStoreHarness>,
  options: TokenStoreSuiteOptions = {},
): void {
  const ttl = options.expiry === 'ttl'
  /** A test for one kind of store only. */
  const flushOnly = ttl ? () => {} : it
  const ttlOnly = ttl ? it : () => {}
  describe(`${name}: TokenStore conformance`, () => {
    let harness: TokenStoreHarness
    let store: RevocationStore
    /** Milliseconds until the `ttl` store forgets `id`; fails for `flush` stores. */
    const remainingLife = async (kind: 'token' | 'family' | 'user', id: string) => {
      if (harness.remainingLife === undefined) throw new Error('a ttl store needs remainingLife')
      return harness.remainingLife(kind, id)
    }

    beforeEach(async () => {
      harness = await make({ now: NOW })
      store = harness.store
    })
    afterEach(async () => {
      await harness?.close()
    })

    it('has the revocation methods', () => {
      expect(hasRevocation(store)).toBe(true)
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
      if (ttl) {
        expect(await remainingLife('token', 'never-recorded')).toBeGreaterThan(HOUR - MARGIN)
      } else {
        expect(await store.flushExpired(new Date(NOW.getTime() + 2 * HOUR))).toBe(1)
      }
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

    flushOnly(
      'flushes only tokens that expired before now, with their blacklist entries',
      async () => {
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
      },
    )

    ttlOnly('forgets each entry by itself, when its token has expired', async () => {
      const live = await record('live', { expiresIn: HOUR })
      const blacklisted = await record('blacklisted', { expiresIn: 2 * HOUR })
      const expired = await record('expired', { expiresIn: -HOUR })
      await store.addOutstanding(live)
      await store.addOutstanding(expired)
      await store.blacklist(blacklisted, NOW)
      const near = (value: number | null, expected: number) => {
        expect(value).not.toBeNull()
        expect(Math.abs((value ?? 0) - expected)).toBeLessThan(MARGIN)
      }
      near(await remainingLife('token', 'live'), HOUR)
      near(await remainingLife('token', 'blacklisted'), 2 * HOUR)
      // An expired token is not kept, or for a moment only.
      expect((await remainingLife('token', 'expired')) ?? 0).toBeLessThanOrEqual(1000)
      await store.revokeFamily('f', NOW, new Date(NOW.getTime() + 3 * HOUR))
      near(await remainingLife('family', 'f'), 3 * HOUR)
      await store.revokeUser(7, NOW, new Date(NOW.getTime() + 4 * HOUR))
      near(await remainingLife('user', '7'), 4 * HOUR)
      expect(await store.flushExpired(new Date(NOW.getTime() + 5 * HOUR))).toBe(0)
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

    it('revokes a family once: true, then false; only that family', async () => {
      const until = new Date(NOW.getTime() + 24 * HOUR)
      expect(await store.isFamilyRevoked('family-a')).toBe(false)
      expect(await store.revokeFamily('family-a', NOW, until)).toBe(true)
      expect(await store.revokeFamily('family-a', new Date(NOW.getTime() + 1), until)).toBe(false)
      expect(await store.isFamilyRevoked('family-a')).toBe(true)
      expect(await store.isFamilyRevoked('family-b')).toBe(false)
      expect(await store.isFamilyRevoked('FAMILY-A')).toBe(false)
      expect(await store.isFamilyRevoked('')).toBe(false)
    })

    it('lets exactly one of 20 concurrent revocations of one family win', async () => {
      const until = new Date(NOW.getTime() + 24 * HOUR)
      const results = await Promise.all(
        Array.from({ length: 20 }, () => store.revokeFamily('raced-family', NOW, until)),
      )
      expect(results.filter((won) => won)).toHaveLength(1)
    })

    it("revokes a user: blacklists the user's outstanding tokens, counts those it blacklisted", async () => {
      const tokens = await Promise.all([
        record('u1-a', { userId: 1 }),
        record('u1-b', { userId: 1 }),
        record('u1-string', { userId: '1' }),
        record('u1-already', { userId: 1 }),
        record('u2', { userId: 2 }),
        record('u11', { userId: 11 }),
        record('nobody', { userId: null }),
      ])
      for (const token of tokens) await store.addOutstanding(token)
      await store.blacklist(tokens[3] as OutstandingToken, NOW)
      const at = new Date(NOW.getTime() + 1000)
      const until = new Date(NOW.getTime() + 48 * HOUR)

      expect(await store.revokeUser(1, at, until)).toBe(3)

      for (const jti of ['u1-a', 'u1-b', 'u1-string', 'u1-already']) {
        expect(await store.isBlacklisted(jti)).toBe(true)
      }
      for (const jti of ['u2', 'u11', 'nobody']) expect(await store.isBlacklisted(jti)).toBe(false)
      expect(await store.userRevokedAt(1)).toEqual(at)
      expect(await store.userRevokedAt('1')).toEqual(at)
      expect(await store.userRevokedAt(2)).toBeNull()
      expect(await store.userRevokedAt('11')).toBeNull()
      // Again: nothing left to blacklist.
      expect(await store.revokeUser('1', at, until)).toBe(0)
    })

    it('keeps the latest revocation time of a user, whatever the order of the calls', async () => {
      const until = new Date(NOW.getTime() + 48 * HOUR)
      const later = new Date(NOW.getTime() + 5000)
      expect(await store.revokeUser('u-9', later, until)).toBe(0)
      await store.revokeUser('u-9', NOW, until)
      expect(await store.userRevokedAt('u-9')).toEqual(later)
      const latest = new Date(NOW.getTime() + 9000)
      await store.revokeUser('u-9', latest, until)
      expect(await store.userRevokedAt('u-9')).toEqual(latest)
    })

    it("leaves a user's tokens issued after the revocation alone", async () => {
      await store.addOutstanding(await record('before', { userId: 5 }))
      await store.revokeUser(5, NOW, new Date(NOW.getTime() + 48 * HOUR))
      const after = await record('after', { userId: 5, createdAt: new Date(NOW.getTime() + 1000) })
      await store.addOutstanding(after)
      expect(await store.isBlacklisted('before')).toBe(true)
      expect(await store.isBlacklisted('after')).toBe(false)
      expect(await store.blacklist(after, NOW)).toBe(true)
    })

    flushOnly('flushes family and user revocations once they have expired', async () => {
      await store.revokeFamily('old-family', NOW, new Date(NOW.getTime() + HOUR))
      await store.revokeFamily('new-family', NOW, new Date(NOW.getTime() + 3 * HOUR))
      await store.revokeUser(1, NOW, new Date(NOW.getTime() + HOUR))
      await store.revokeUser(2, NOW, new Date(NOW.getTime() + 3 * HOUR))
      // Only tokens are counted.
      expect(await store.flushExpired(new Date(NOW.getTime() + 2 * HOUR))).toBe(0)
      expect(await store.isFamilyRevoked('old-family')).toBe(false)
      expect(await store.isFamilyRevoked('new-family')).toBe(true)
      expect(await store.userRevokedAt(1)).toBeNull()
      expect(await store.userRevokedAt(2)).toEqual(NOW)
    })
  })
}
