import { ConfigurationError } from '../errors'
import { describe } from './duration'

/** The bounds of the verified-token cache (VERIFIED_TOKEN_CACHE). */
export interface VerifiedTokenCacheLimits {
  /** The most tokens kept. */
  readonly maxEntries: number
  /**
   * The most memory kept, in bytes, counted as two bytes a character of each token and its
   * payload plus {@link ENTRY_OVERHEAD} an entry: an upper bound of what the strings take.
   */
  readonly maxBytes: number
}

/** What an entry costs besides its strings: the map slot and the entry object. */
export const ENTRY_OVERHEAD = 128

interface Entry {
  /** The whole token: an entry serves only the very token it was made for. */
  readonly token: string
  /**
   * The payload as decoded; every hit gets its own copy, so no caller sees another's changes. A
   * payload of strings, numbers, booleans and nulls (the usual) is copied as it is; one with nested
   * objects or arrays is kept as JSON text and parsed again.
   */
  readonly payload: Readonly<Record<string, unknown>> | string
  /** `exp` in whole seconds (as PyJWT compares it). */
  readonly exp: number
  readonly size: number
}

/**
 * How many of a token's last characters (of its signature) make its key: a number, found in a
 * map for far less than a string key, which would be hashed anew for every request's token. Each
 * entry holds its whole token, which a hit must equal; two tokens of one key (about one pair in a
 * billion) take turns in the entry.
 */
const KEY_LENGTH = 10

function keyOf(token: string): number {
  let key = 0
  for (let i = Math.max(0, token.length - KEY_LENGTH); i < token.length; i++) {
    // Kept within 30 bits: a small integer, which V8 stores without allocating.
    key = (key * 31 + token.charCodeAt(i)) & 0x3fffffff
  }
  return key
}

/**
 * The payloads of tokens whose signature was verified, for the whole token only, so a hit skips
 * only the signature check and the decoding: every claim, type and blacklist check still runs.
 * An entry is served only while its `exp` is ahead of the caller's limit (now minus the leeway),
 * and dropped after; the oldest entries go first when a bound is reached (a hit costs one lookup,
 * and a token still in use that is pushed out is verified once more and kept again).
 */
export class VerifiedTokenCache {
  readonly #entries = new Map<number, Entry>()
  readonly #limits: VerifiedTokenCacheLimits
  #bytes = 0

  constructor(limits: VerifiedTokenCacheLimits) {
    this.#limits = limits
  }

  /** How many tokens are kept. */
  get size(): number {
    return this.#entries.size
  }

  /** The bytes counted for the entries kept (see {@link VerifiedTokenCacheLimits.maxBytes}). */
  get bytes(): number {
    return this.#bytes
  }

  /**
   * A copy of the payload of `token` if it is kept and `exp > limit` (limit: now in whole seconds
   * minus the leeway); an entry past that is dropped.
   */
  get(token: string, limit: number): Record<string, unknown> | undefined {
    const key = keyOf(token)
    const entry = this.#entries.get(key)
    if (entry === undefined || entry.token !== token) return undefined
    if (!(entry.exp > limit)) {
      this.#entries.delete(key)
      this.#bytes -= entry.size
      return undefined
    }
    const { payload } = entry
    // Spreading defines properties (a `__proto__` key stays a key), in JSON.parse's order.
    return typeof payload === 'string'
      ? (JSON.parse(payload) as Record<string, unknown>)
      : { ...payload }
  }

  /**
   * Keeps the payload of a verified token: `payload` as JSON.parse made it from `json`, and not
   * changed since. Tokens without a numeric `exp` are never kept.
   */
  set(token: string, json: string, payload: Readonly<Record<string, unknown>>): void {
    const exp = payload['exp']
    if (typeof exp !== 'number' || !Number.isFinite(exp)) return
    const size = 2 * (token.length + json.length) + ENTRY_OVERHEAD
    const { maxEntries, maxBytes } = this.#limits
    if (size > maxBytes || maxEntries === 0) return
    // An entry of the same key (the same token, or hardly ever another) is replaced.
    const key = keyOf(token)
    const previous = this.#entries.get(key)
    if (previous !== undefined) {
      this.#entries.delete(key)
      this.#bytes -= previous.size
    }
    const flat = isFlat(payload)
    const entry = { token, payload: flat ? { ...payload } : json, exp: Math.trunc(exp), size }
    this.#entries.set(key, entry)
    this.#bytes += size
    if (this.#entries.size <= maxEntries && this.#bytes <= maxBytes) return
    for (const [oldest, entry] of this.#entries) {
      if (this.#entries.size <= maxEntries && this.#bytes <= maxBytes) break
      this.#entries.delete(oldest)
      this.#bytes -= entry.size
    }
  }

  clear(): void {
    this.#entries.clear()
    this.#bytes = 0
  }
}

/** Whether no value of `payload` is an object or an array (so a shallow copy is a full copy). */
function isFlat(payload: Readonly<Record<string, unknown>>): boolean {
  for (const key in payload) {
    const value = payload[key]
    if (typeof value === 'object' && value !== null) return false
  }
  return true
}

/** The bounds used when VERIFIED_TOKEN_CACHE is `true` or not given. */
export const DEFAULT_TOKEN_CACHE: VerifiedTokenCacheLimits = Object.freeze({
  maxEntries: 10_000,
  maxBytes: 8 * 1024 * 1024,
})

/**
 * VERIFIED_TOKEN_CACHE resolved: null when off. Off by default with JWK_URL, whose keys can be
 * withdrawn while tokens signed with them are still cached.
 */
export function resolveTokenCache(
  value: unknown,
  jwkUrl: string | null,
): VerifiedTokenCacheLimits | null {
  if (value === false || value === null || (value === undefined && jwkUrl !== null)) return null
  if (value === undefined || value === true) return DEFAULT_TOKEN_CACHE
  const wrong = () =>
    new ConfigurationError(
      `VERIFIED_TOKEN_CACHE must be true, false or { maxEntries, maxBytes } (whole numbers, 0 or more); got ${describe(value)}`,
    )
  if (typeof value !== 'object' || Array.isArray(value)) throw wrong()
  const limits: Record<string, unknown> = { ...value }
  if (Object.keys(limits).some((key) => key !== 'maxEntries' && key !== 'maxBytes')) throw wrong()
  const bound = (given: unknown, fallback: number) => {
    if (given === undefined) return fallback
    if (typeof given !== 'number' || !Number.isSafeInteger(given) || given < 0) throw wrong()
    return given
  }
  return Object.freeze({
    maxEntries: bound(limits['maxEntries'], DEFAULT_TOKEN_CACHE.maxEntries),
    maxBytes: bound(limits['maxBytes'], DEFAULT_TOKEN_CACHE.maxBytes),
  })
}
