import type { Rate, ThrottleHit, ThrottleStore } from '@simplejwt/core'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'

/** A fresh throttle store for one test, and more instances sharing what it stores. */
export interface ThrottleStoreHarness {
  readonly store: ThrottleStore
  /**
   * Another instance over the same storage (its own connection for Redis and PostgreSQL, as a
   * second server would have), for the tests of several instances counting together.
   */
  instance(): Promise<ThrottleStore>
  close(): Promise<void>
}

const MINUTE: Rate = { numRequests: 3, duration: 60 }
// Seconds since the epoch, with a fraction: stores must keep times to the millisecond at least.
const T = 1_714_564_800.125

let keys = 0
/** A key no other test (or run sharing the service) uses. */
const newKey = () => `throttle_login_suite-${crypto.randomUUID()}-${++keys}`

async function hit(store: ThrottleStore, key: string, now: number, rate = MINUTE) {
  return (await store.hit(key, now, rate)) as ThrottleHit
}

/**
 * The conformance suite of a {@link ThrottleStore}: DRF's history semantics, one atomic step per
 * call, and several instances over one storage allowing exactly the rate between them.
 */
export function runThrottleStoreSuite(
  name: string,
  open: () => Promise<ThrottleStoreHarness>,
): void {
  describe(`${name} (ThrottleStore conformance)`, () => {
    let harness: ThrottleStoreHarness
    beforeEach(async () => {
      harness = await open()
    })
    afterEach(async () => {
      await harness.close()
    })

    it('allows numRequests in the window, then refuses with the count and the oldest time', async () => {
      const key = newKey()
      for (const offset of [0, 10, 20.5]) {
        expect(await hit(harness.store, key, T + offset)).toEqual({ allowed: true })
      }
      expect(await hit(harness.store, key, T + 30)).toEqual({
        allowed: false,
        count: 3,
        oldest: T,
      })
    })

    it('forgets a time once it is duration seconds old (at or before now - duration)', async () => {
      const key = newKey()
      for (const offset of [0, 10, 20]) await hit(harness.store, key, T + offset)
      expect((await hit(harness.store, key, T + 59.999)).allowed).toBe(false)
      expect(await hit(harness.store, key, T + 60)).toEqual({ allowed: true })
      // Now T+10, T+20 and T+60 are held.
      expect(await hit(harness.store, key, T + 61)).toEqual({
        allowed: false,
        count: 3,
        oldest: T + 10,
      })
    })

    it('records nothing when it refuses', async () => {
      const key = newKey()
      const rate = { numRequests: 1, duration: 60 }
      await hit(harness.store, key, T, rate)
      for (const offset of [1, 2, 3]) {
        expect(await hit(harness.store, key, T + offset, rate)).toEqual({
          allowed: false,
          count: 1,
          oldest: T,
        })
      }
      // Refused requests were not recorded, so the key is free once the first has left.
      expect(await hit(harness.store, key, T + 60, rate)).toEqual({ allowed: true })
    })

    it('counts keys apart', async () => {
      const [a, b] = [newKey(), newKey()]
      const rate = { numRequests: 1, duration: 60 }
      expect((await hit(harness.store, a, T, rate)).allowed).toBe(true)
      expect((await hit(harness.store, b, T, rate)).allowed).toBe(true)
      expect((await hit(harness.store, a, T + 1, rate)).allowed).toBe(false)
    })

    it('refuses every request at 0 per period, with no oldest time', async () => {
      const key = newKey()
      const rate = { numRequests: 0, duration: 60 }
      expect(await hit(harness.store, key, T, rate)).toEqual({
        allowed: false,
        count: 0,
        oldest: null,
      })
    })

    it('reports a history longer than a lowered rate', async () => {
      const key = newKey()
      for (const offset of [0, 1, 2]) await hit(harness.store, key, T + offset)
      expect(await hit(harness.store, key, T + 3, { numRequests: 2, duration: 60 })).toEqual({
        allowed: false,
        count: 3,
        oldest: T,
      })
    })

    it('counts requests at the same instant one by one', async () => {
      const key = newKey()
      for (let i = 0; i < 3; i++) expect((await hit(harness.store, key, T)).allowed).toBe(true)
      expect(await hit(harness.store, key, T)).toEqual({ allowed: false, count: 3, oldest: T })
    })

    it('lets N instances over one storage allow exactly the rate between them', async () => {
      const instances = [
        harness.store,
        ...(await Promise.all([1, 2, 3].map(() => harness.instance()))),
      ]
      const key = newKey()
      const rate = { numRequests: 10, duration: 60 }
      // 60 concurrent requests, 15 through each instance, at nearly the same instant.
      const answers = await Promise.all(
        Array.from({ length: 60 }, (_, i) =>
          hit(instances[i % instances.length] as ThrottleStore, key, T + i / 1000, rate),
        ),
      )
      expect(answers.filter((a) => a.allowed)).toHaveLength(10)
      expect(await hit(instances[1] as ThrottleStore, key, T + 1, rate)).toMatchObject({
        allowed: false,
        count: 10,
      })
    })
  })
}
