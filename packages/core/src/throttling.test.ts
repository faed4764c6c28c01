import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { ConfigurationError, StoreUnavailableError } from './errors'
import { createSimpleJWT } from './simplejwt'
import {
  clientIdent,
  createThrottle,
  MemoryThrottleStore,
  parseRate,
  resolveThrottleSettings,
  Throttled,
  type ThrottleScope,
  type ThrottleStore,
} from './throttling'

// Recorded from DRF 3.14's own throttling code by scripts/throttle-vectors.py.
interface Step {
  now: number
  rates: Partial<Record<ThrottleScope, string>>
  idents: Partial<Record<ThrottleScope, string | null>>
  allowed: boolean
  wait?: number | null
  detail?: string
  retryAfter?: string | null
}
const vectors = JSON.parse(
  readFileSync(new URL('../test/vectors/throttle.json', import.meta.url), 'utf8'),
) as {
  rates: Array<{ rate: string; numRequests: number; duration: number }>
  scenarios: Array<{ name: string; steps: Step[] }>
  idents: Array<{
    numProxies: number
    remoteAddr: string
    forwardedFor: string | null
    ident: string
  }>
  messages: Array<{
    language: string
    wait: number | null
    status: number
    body: { detail: string }
    retryAfter: string | null
  }>
}

const at = (seconds: number) => new Date(seconds * 1000)

describe('parseRate', () => {
  it.each(vectors.rates)('reads $rate as DRF does', ({ rate, numRequests, duration }) => {
    expect(parseRate(rate)).toEqual({ numRequests, duration })
  })

  it.each(['5', '5/', '/min', 'five/min', '5/min/x', '5/week', '-1/min', '1.5/min', ' 5/min'])(
    'refuses %j at start-up',
    (rate) => {
      expect(() => parseRate(rate)).toThrow(ConfigurationError)
    },
  )
})

describe('the throttle decision, against DRF 3.14', () => {
  for (const { name, steps } of vectors.scenarios) {
    it(name, async () => {
      const store = new MemoryThrottleStore()
      for (const step of steps) {
        // The rate may change between steps (as a redeploy would change it); the store stays.
        const settings = resolveThrottleSettings(step.rates, 0)
        const throttle = createThrottle(settings, store)
        const decision = await throttle.check({
          clientAddress: step.idents.login ?? null,
          username: step.idents.login_user ?? undefined,
          now: at(step.now),
        })
        expect(decision.allowed, `at ${step.now}`).toBe(step.allowed)
        if (decision.allowed) continue
        const error = new Throttled(decision.wait)
        expect(error.wait, `at ${step.now}`).toBe(step.wait)
        expect(error.body('en')).toEqual({ detail: step.detail })
        expect(error.headers()['retry-after'] ?? null).toBe(step.retryAfter)
      }
    })
  }

  it('counts only a string or number username, a number as its text', async () => {
    const throttle = createThrottle(resolveThrottleSettings({ login_user: '1/min' }, null))
    const attempt = (username: unknown, address: string) =>
      throttle.check({ clientAddress: address, username, now: at(0) })
    expect(await attempt(42, 'a')).toEqual({ allowed: true })
    expect((await attempt('42', 'b')).allowed).toBe(false)
    for (const username of [null, undefined, true, ['42'], { username: '42' }]) {
      expect(await attempt(username, 'c')).toEqual({ allowed: true })
    }
  })

  it('keys a long username by its hash, so keys stay short', async () => {
    const keys: string[] = []
    const store: ThrottleStore = {
      hit: (key) => {
        keys.push(key)
        return { allowed: true }
      },
    }
    const throttle = createThrottle(resolveThrottleSettings({ login_user: '1/min' }, null), store)
    await throttle.check({ clientAddress: 'a', username: 'x'.repeat(1024 * 1024) })
    await throttle.check({ clientAddress: 'a', username: 'alice' })
    expect(keys[0]).toMatch(/^throttle_login_user_sha256:[0-9a-f]{64}$/)
    expect(keys[1]).toBe('throttle_login_user_alice')
  })

  it('is off, storing nothing, without THROTTLE_RATES', async () => {
    const store: ThrottleStore = {
      hit: () => {
        throw new Error('not to be called')
      },
    }
    for (const rates of [undefined, null, {}, { login: null, login_user: null }]) {
      const throttle = createThrottle(resolveThrottleSettings(rates, null), store)
      expect(throttle.enabled).toBe(false)
      expect(await throttle.check({ clientAddress: 'a', username: 'alice' })).toEqual({
        allowed: true,
      })
    }
  })

  it('fails closed: a store that cannot answer is a StoreUnavailableError (503)', async () => {
    const settings = resolveThrottleSettings({ login: '5/min' }, null)
    for (const store of [
      { hit: () => Promise.reject(new Error('ECONNREFUSED')) },
      {
        hit: () => {
          throw new Error('ECONNREFUSED')
        },
      },
    ] satisfies ThrottleStore[]) {
      const throttle = createThrottle(settings, store)
      await expect(throttle.check({ clientAddress: 'a' })).rejects.toBeInstanceOf(
        StoreUnavailableError,
      )
      await expect(throttle.enforce({ clientAddress: 'a' })).rejects.toBeInstanceOf(
        StoreUnavailableError,
      )
    }
  })

  it('enforce() throws Throttled with the wait when refused', async () => {
    const throttle = createThrottle(resolveThrottleSettings({ login: '1/min' }, null))
    await throttle.enforce({ clientAddress: 'a', now: at(0) })
    const error = await throttle.enforce({ clientAddress: 'a', now: at(0.5) }).catch((e) => e)
    expect(error).toBeInstanceOf(Throttled)
    expect(error).toMatchObject({ code: 'throttled', status: 429, wait: 60 })
    expect(error.message).toBe('Request was throttled. Expected available in 60 seconds.')
  })
})

describe('MemoryThrottleStore', () => {
  const rate = { numRequests: 1, duration: 60 }

  it('keeps at most maxKeys keys, dropping the least recently recorded', () => {
    const store = new MemoryThrottleStore({ maxKeys: 2 })
    expect(store.hit('a', 0, rate).allowed).toBe(true)
    expect(store.hit('b', 1, rate).allowed).toBe(true)
    expect(store.hit('c', 2, rate).allowed).toBe(true)
    // 'a' was dropped: its history is gone; 'b' and 'c' are still counted.
    expect(store.hit('a', 3, rate).allowed).toBe(true)
    expect(store.hit('c', 4, rate).allowed).toBe(false)
  })

  it('forgets a key once its history has expired', () => {
    const store = new MemoryThrottleStore()
    expect(store.hit('a', 0, rate).allowed).toBe(true)
    expect(store.hit('a', 59.9, rate)).toEqual({ allowed: false, count: 1, oldest: 0 })
    expect(store.hit('a', 60, rate).allowed).toBe(true)
  })
})

describe('clientIdent (DRF get_ident with NUM_PROXIES)', () => {
  it.each(vectors.idents)(
    'NUM_PROXIES=$numProxies, REMOTE_ADDR $remoteAddr, X-Forwarded-For $forwardedFor -> $ident',
    ({ numProxies, remoteAddr, forwardedFor, ident }) => {
      expect(clientIdent(remoteAddr, forwardedFor, numProxies)).toBe(ident)
    },
  )

  it('ignores a forged X-Forwarded-For from a peer when no proxy is trusted', async () => {
    expect(clientIdent('198.51.100.20', '203.0.113.7', null)).toBe('198.51.100.20')
    const throttle = createThrottle(resolveThrottleSettings({ login: '2/min' }, null))
    // One attacker sending a new X-Forwarded-For each time is still one client.
    for (const [i, expected] of [true, true, false, false].entries()) {
      const decision = await throttle.check({
        clientAddress: '198.51.100.20',
        forwardedFor: `203.0.113.${i}`,
        now: at(i),
      })
      expect(decision.allowed).toBe(expected)
    }
  })

  it('behind one trusted proxy, takes the address the proxy appended, not the client’s own', async () => {
    const throttle = createThrottle(resolveThrottleSettings({ login: '1/min' }, 1))
    const proxy = '10.0.0.1'
    const first = await throttle.check({
      clientAddress: proxy,
      forwardedFor: '198.51.100.20',
      now: at(0),
    })
    expect(first.allowed).toBe(true)
    // The same client prepends a forged address: the proxy's entry (rightmost) still names it.
    const forged = await throttle.check({
      clientAddress: proxy,
      forwardedFor: '203.0.113.99, 198.51.100.20',
      now: at(1),
    })
    expect(forged.allowed).toBe(false)
    const other = await throttle.check({
      clientAddress: proxy,
      forwardedFor: '198.51.100.21',
      now: at(2),
    })
    expect(other.allowed).toBe(true)
  })
})

describe('Throttled', () => {
  it.each(vectors.messages)(
    '$language, wait $wait: the body and Retry-After of DRF',
    ({ language, wait, status, body, retryAfter }) => {
      const error = new Throttled(wait)
      expect(error.status).toBe(status)
      expect(error.body(language)).toEqual(body)
      expect(error.headers()['retry-after'] ?? null).toBe(retryAfter)
    },
  )
})

describe('THROTTLE_RATES and NUM_PROXIES settings', () => {
  const SECRET = 'throttle-test-secret-long-enough-for-hs256'
  const resolve = async (settings: Record<string, unknown>) =>
    (await createSimpleJWT({ settings: { SIGNING_KEY: SECRET, ...settings } })).settings

  it('are off by default', async () => {
    const settings = await resolve({})
    expect(settings.throttleRates).toEqual({ login: null, login_user: null })
    expect(settings.numProxies).toBeNull()
  })

  it('are read in both spellings and parsed once', async () => {
    for (const input of [
      { THROTTLE_RATES: { login: '5/min', login_user: '10/hour' }, NUM_PROXIES: 1 },
      { throttleRates: { login: '5/min', login_user: '10/hour' }, numProxies: 1 },
    ]) {
      const settings = await resolve(input)
      expect(settings.throttleRates).toEqual({
        login: { numRequests: 5, duration: 60 },
        login_user: { numRequests: 10, duration: 3600 },
      })
      expect(settings.numProxies).toBe(1)
      expect(Object.isFrozen(settings.throttleRates)).toBe(true)
    }
  })

  it.each([
    [{ THROTTLE_RATES: '5/min' }, /THROTTLE_RATES must be an object/],
    [{ THROTTLE_RATES: ['5/min'] }, /THROTTLE_RATES must be an object/],
    [{ THROTTLE_RATES: { anon: '5/min' } }, /unknown scope 'anon'/],
    [{ THROTTLE_RATES: { login: 5 } }, /THROTTLE_RATES\['login'\] must be a rate/],
    [{ THROTTLE_RATES: { login: '5/week' } }, /'number\/period'/],
    [{ NUM_PROXIES: -1 }, /NUM_PROXIES must be a non-negative integer/],
    [{ NUM_PROXIES: 1.5 }, /NUM_PROXIES must be a non-negative integer/],
    [{ NUM_PROXIES: '1' }, /NUM_PROXIES must be a non-negative integer/],
  ])('refuses %j at start-up', async (input, error) => {
    await expect(resolve(input)).rejects.toThrow(error)
    await expect(resolve(input)).rejects.toBeInstanceOf(ConfigurationError)
  })
})
