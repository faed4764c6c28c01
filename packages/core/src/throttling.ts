/**
 * Throttling of the obtain endpoints as Django REST framework throttles a view: a history of
 * request times per key, rates in DRF's notation (`"5/min"`), the wait computed as
 * `SimpleRateThrottle.wait()` computes it and DRF's 429 body and `Retry-After` header. Two scopes:
 * `login`, keyed by client address (DRF's `AnonRateThrottle`), and `login_user`, keyed by the
 * username tried.
 */
import { sha256 } from '@noble/hashes/sha2.js'
import { bytesToHex } from '@noble/hashes/utils.js'
import { ConfigurationError, message, SimpleJWTError } from './errors'
import type { Awaitable } from './lib/awaitable'
import { describe } from './lib/duration'
import { askStore } from './lib/fail-closed'
import { translate } from './lib/i18n'

/** The scopes of THROTTLE_RATES: `login` per client address, `login_user` per username tried. */
export const THROTTLE_SCOPES = ['login', 'login_user'] as const
export type ThrottleScope = (typeof THROTTLE_SCOPES)[number]

/** A rate: at most `numRequests` requests in any `duration` seconds. */
export interface Rate {
  readonly numRequests: number
  readonly duration: number
}

/** THROTTLE_RATES resolved: each scope's rate, or null where that scope is off. */
export type ThrottleRates = Readonly<Record<ThrottleScope, Rate | null>>

const PERIODS: Readonly<Record<string, number>> = { s: 1, m: 60, h: 3600, d: 86400 }

/**
 * DRF's `parse_rate`: `"number/period"`, the period read from its first letter (`s`, `m`, `h` or
 * `d`: `"5/min"`, `"100/hour"`, `"10/d"`). A rate DRF would fail on is a ConfigurationError.
 */
export function parseRate(rate: string): Rate {
  const parts = rate.split('/')
  const duration = PERIODS[parts[1]?.[0] ?? '']
  if (parts.length !== 2 || !/^\d+$/.test(parts[0] ?? '') || duration === undefined) {
    throw new ConfigurationError(
      `A throttle rate must be 'number/period' with a period of s, m, h or d ('5/min'); got ${describe(rate)}`,
    )
  }
  return Object.freeze({ numRequests: Number(parts[0]), duration })
}

/** THROTTLE_RATES and NUM_PROXIES checked once, at start-up. */
export function resolveThrottleSettings(
  rates: unknown,
  numProxies: unknown,
): { throttleRates: ThrottleRates; numProxies: number | null } {
  if (rates != null && (typeof rates !== 'object' || Array.isArray(rates))) {
    throw new ConfigurationError(
      `THROTTLE_RATES must be an object such as {"login": "5/min", "login_user": "10/hour"}; got ${describe(rates)}`,
    )
  }
  const given = (rates ?? {}) as Readonly<Record<string, unknown>>
  for (const scope of Object.keys(given)) {
    if (!(THROTTLE_SCOPES as readonly string[]).includes(scope)) {
      throw new ConfigurationError(
        `THROTTLE_RATES: unknown scope '${scope}'; the scopes are ${THROTTLE_SCOPES.join(' and ')}`,
      )
    }
  }
  const rateOf = (scope: ThrottleScope): Rate | null => {
    const value = given[scope]
    if (value == null) return null
    if (typeof value !== 'string') {
      throw new ConfigurationError(
        `THROTTLE_RATES['${scope}'] must be a rate such as '5/min' or null; got ${describe(value)}`,
      )
    }
    return parseRate(value)
  }
  if (numProxies != null && !(Number.isSafeInteger(numProxies) && (numProxies as number) >= 0)) {
    throw new ConfigurationError(
      `NUM_PROXIES must be a non-negative integer or null; got ${describe(numProxies)}`,
    )
  }
  return {
    throttleRates: Object.freeze({ login: rateOf('login'), login_user: rateOf('login_user') }),
    numProxies: (numProxies as number | null | undefined) ?? null,
  }
}

/** A store's answer to {@link ThrottleStore.hit}. */
export type ThrottleHit =
  | { readonly allowed: true }
  | {
      readonly allowed: false
      /** How many request times the key holds (within the rate's duration). */
      readonly count: number
      /** The oldest of them, in seconds since the epoch; null when there is none. */
      readonly oldest: number | null
    }

/**
 * Where the request histories live: {@link MemoryThrottleStore} for one process, the Redis and
 * PostgreSQL stores for several instances sharing counts.
 */
export interface ThrottleStore {
  /**
   * One atomic step of DRF's `SimpleRateThrottle.allow_request` for `key`: forget the times at or
   * before `now - rate.duration` (seconds since the epoch); then, with fewer than
   * `rate.numRequests` left, record `now`, keep the history `rate.duration` seconds and allow;
   * otherwise refuse, recording nothing. A store that cannot answer throws or rejects.
   */
  hit(key: string, now: number, rate: Rate): Awaitable<ThrottleHit>
}

/**
 * Histories in this process's memory (the default). At most `maxKeys` keys are kept; beyond that
 * the least recently recorded key is dropped, as Django's local-memory cache culls its entries.
 */
export class MemoryThrottleStore implements ThrottleStore {
  readonly #maxKeys: number
  // Oldest first. A Map iterates in insertion order, and a key is re-inserted when recorded.
  readonly #entries = new Map<string, { times: number[]; expires: number }>()

  constructor(options: { maxKeys?: number } = {}) {
    this.#maxKeys = options.maxKeys ?? 100_000
  }

  hit(key: string, now: number, rate: Rate): ThrottleHit {
    this.#sweep(now)
    const entry = this.#entries.get(key)
    const cutoff = now - rate.duration
    const times = entry === undefined || entry.expires <= now ? [] : entry.times
    while (times.length > 0 && (times[0] as number) <= cutoff) times.shift()
    if (times.length >= rate.numRequests) {
      return { allowed: false, count: times.length, oldest: times[0] ?? null }
    }
    times.push(now)
    this.#entries.delete(key)
    this.#entries.set(key, { times, expires: now + rate.duration })
    if (this.#entries.size > this.#maxKeys) {
      const oldest = this.#entries.keys().next()
      if (!oldest.done) this.#entries.delete(oldest.value)
    }
    return { allowed: true }
  }

  /** Drops a few expired keys from the old end, so that idle keys do not stay. */
  #sweep(now: number): void {
    for (let i = 0; i < 2; i++) {
      const first = this.#entries.entries().next()
      if (first.done || first.value[1].expires > now) return
      this.#entries.delete(first.value[0])
    }
  }
}

/**
 * DRF's `SimpleRateThrottle.wait()` for a refused request: the time left before the oldest
 * request leaves the window, shared among the requests that will then be available; null when
 * none will (the history outgrew a lowered rate).
 */
export function throttleWait(
  rate: Rate,
  now: number,
  count: number,
  oldest: number | null,
): number | null {
  const remaining = oldest === null ? rate.duration : rate.duration - (now - oldest)
  const available = rate.numRequests - count + 1
  return available <= 0 ? null : remaining / available
}

/**
 * DRF's `get_ident` with NUM_PROXIES set: the socket's address, or with `numProxies` > 0 and an
 * `X-Forwarded-For` header, the address that many entries from its right (or its leftmost when it
 * has fewer). Unlike DRF's default (NUM_PROXIES None, which believes the whole header), null and 0
 * both ignore the header: a client talking to the server directly cannot choose its address.
 */
export function clientIdent(
  clientAddress: string | null | undefined,
  forwardedFor: string | null | undefined,
  numProxies: number | null,
): string {
  const remote = clientAddress ?? ''
  if (numProxies === null || numProxies === 0 || forwardedFor == null) return remote
  const addresses = forwardedFor.split(',')
  return (addresses[addresses.length - Math.min(numProxies, addresses.length)] ?? '').trim()
}

/** One obtain request, as the throttle needs it. */
export interface LoginAttempt {
  /** The peer's address (the socket's remote address). */
  readonly clientAddress: string | null | undefined
  /** The request's `X-Forwarded-For` header, read only when NUM_PROXIES is above 0. */
  readonly forwardedFor?: string | null | undefined
  /** The username field of the body as sent; only a string or a number is counted. */
  readonly username?: unknown
  /** The request's time. Default: now. */
  readonly now?: Date
}

/** The throttle's answer: allowed (and counted), or refused with DRF's wait in seconds. */
export type ThrottleDecision =
  | { readonly allowed: true }
  | { readonly allowed: false; readonly wait: number | null }

/** The throttle of the obtain endpoints (see {@link createThrottle}). */
export interface LoginThrottle {
  /** False when THROTTLE_RATES sets no rate: every attempt is allowed and nothing is stored. */
  readonly enabled: boolean
  /**
   * Counts the attempt in each scope that has a rate, as DRF's `check_throttles` runs every
   * throttle; refused when any scope refuses, with the longest of their waits. A store that
   * cannot answer rejects with StoreUnavailableError (a 503): the throttle fails closed.
   */
  check(attempt: LoginAttempt): Promise<ThrottleDecision>
  /** {@link LoginThrottle.check}, throwing {@link Throttled} when refused. */
  enforce(attempt: LoginAttempt): Promise<void>
}

// Keys stay short whatever the username's length (a megabyte username, a megabyte key).
const MAX_KEY_IDENT = 200

/** A throttle over `settings.throttleRates` and `settings.numProxies`, counting in `store`. */
export function createThrottle(
  settings: { readonly throttleRates: ThrottleRates; readonly numProxies: number | null },
  store: ThrottleStore = new MemoryThrottleStore(),
): LoginThrottle {
  const { throttleRates: rates, numProxies } = settings
  const enabled = rates.login !== null || rates.login_user !== null

  async function check(attempt: LoginAttempt): Promise<ThrottleDecision> {
    if (!enabled) return { allowed: true }
    const now = (attempt.now ?? new Date()).getTime() / 1000
    const { username } = attempt
    const idents: Record<ThrottleScope, string | null> = {
      login: clientIdent(attempt.clientAddress, attempt.forwardedFor, numProxies),
      login_user:
        typeof username === 'string' || typeof username === 'number' ? String(username) : null,
    }
    const waits: Array<number | null> = []
    for (const scope of THROTTLE_SCOPES) {
      const rate = rates[scope]
      const ident = idents[scope]
      if (rate === null || ident === null) continue
      const key = `throttle_${scope}_${ident.length > MAX_KEY_IDENT ? `sha256:${bytesToHex(sha256(new TextEncoder().encode(ident)))}` : ident}`
      const hit = await askStore(() => store.hit(key, now, rate))
      if (!hit.allowed) waits.push(throttleWait(rate, now, hit.count, hit.oldest))
    }
    if (waits.length === 0) return { allowed: true }
    // DRF's check_throttles: the longest wait, leaving out the throttles that cannot tell.
    const known = waits.filter((w): w is number => w !== null)
    return { allowed: false, wait: known.length === 0 ? null : Math.max(...known) }
  }

  return {
    enabled,
    check,
    async enforce(attempt) {
      const decision = await check(attempt)
      if (!decision.allowed) throw new Throttled(decision.wait)
    },
  }
}

const THROTTLED = 'Request was throttled.'

/**
 * DRF's `Throttled`: a 429 `{"detail": "Request was throttled. Expected available in N
 * seconds."}` with `Retry-After: N`. Also thrown when too many password hashes are in flight.
 */
export class Throttled extends SimpleJWTError {
  override readonly code = 'throttled'
  readonly status = 429
  /** Whole seconds to wait (DRF rounds up), or null when unknown. */
  readonly wait: number | null

  constructor(wait: number | null = null, options?: { cause?: unknown }) {
    super(message(THROTTLED), options)
    this.wait = wait === null ? null : Math.ceil(wait)
    this.message = this.#detail(THROTTLED)
  }

  /**
   * The body in `language`. As in DRF 3.14, only "Request was throttled." is translated: DRF
   * formats the wait into the plural forms before ngettext looks them up, so no catalogue has
   * them and the second sentence stays English in every language.
   */
  body(language: string): { detail: string } {
    return { detail: this.#detail(translate(THROTTLED, language)) }
  }

  /** `Retry-After`, which DRF sets when the wait is known and not zero. */
  headers(): Record<string, string> {
    return this.wait ? { 'retry-after': String(this.wait) } : {}
  }

  #detail(first: string): string {
    if (this.wait === null) return first
    // English plural rule (n != 1), as ngettext applies it without a catalogue.
    const unit = this.wait === 1 ? 'second' : 'seconds'
    return `${first} Expected available in ${this.wait} ${unit}.`
  }
}
