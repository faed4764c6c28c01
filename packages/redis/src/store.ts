import { createHash } from 'node:crypto'
import { ConfigurationError, type OutstandingToken, type RevocationStore } from '@simplejwt/core'
import { Redis, type RedisOptions } from 'ioredis'
import { ADD_OUTSTANDING, BLACKLIST, REVOKE_USER } from './scripts'

/** Options of {@link RedisTokenStore}. */
export interface RedisTokenStoreOptions {
  /**
   * Put before every key, so that several applications (or test runs) can share one Redis.
   * Default `simplejwt:`.
   */
  readonly prefix?: string
  /**
   * Seconds each entry is kept after its token expires: at least the core's LEEWAY (a token is
   * accepted that long after its `exp`), plus the clock skew between the application's servers.
   * Default 60.
   */
  readonly leeway?: number
  /** The clock, in milliseconds since the epoch, that remaining lives are counted from. Default `Date.now`. */
  readonly clock?: () => number
}

/** Options of {@link connectRedisTokenStore}. */
export interface ConnectRedisOptions extends RedisTokenStoreOptions {
  /** The server, as a `redis://` or `rediss://` URL (such as REDIS_URL). Default `redis://127.0.0.1:6379`. */
  readonly url?: string
  /**
   * ioredis options, over the store's fail-fast defaults ({@link FAIL_FAST}): change them only
   * knowing that a request must never wait long on a Redis that is away.
   */
  readonly redis?: RedisOptions
  /** Called with each connection error (Redis away, refused, timed out), for logging. Default: none. */
  readonly onError?: (error: Error) => void
}

/**
 * The ioredis options the store's own connection uses: a call made while Redis is away fails at
 * once (no offline queue, no resending), one that gets no answer fails after two seconds, and
 * the connection is retried forever, at most a second apart, so that the store works again as
 * soon as Redis is back. The core turns each failure into a 503.
 */
export const FAIL_FAST: RedisOptions = Object.freeze({
  enableOfflineQueue: false,
  autoResendUnfulfilledCommands: false,
  maxRetriesPerRequest: 0,
  connectTimeout: 2000,
  commandTimeout: 2000,
  retryStrategy: (attempt: number) => Math.min(attempt * 100, 1000),
})

/** Entries are kept at least this long, so that concurrent calls about one token still meet. */
const MINIMUM_TTL = 1000

/** One of the kinds of entries the store keeps, for {@link RedisTokenStore.remainingLife}. */
export type EntryKind = 'token' | 'family' | 'user'

/**
 * Outstanding tokens, the blacklist, revoked token families and revoked users in Redis, for the
 * core's `tokens` option. Every call is one atomic step on the server (a Lua script or a single
 * command): of any number of concurrent blacklist calls for a token, from any number of
 * processes sharing the Redis, exactly one resolves true. Entries expire by themselves when their
 * token's remaining life (plus `leeway`) is over, so `flushExpired` has nothing to do. Tokens
 * themselves are never stored: an outstanding token is its SHA-256 digest.
 *
 * Keys (after the prefix): `token:<jti>` (a hash), `blacklisted:<jti>`, `user-tokens:<user id>`
 * (a sorted set of jtis), `family:<family>`, `user:<user id>`. Standalone Redis or Sentinel; not
 * Redis Cluster, whose scripts may not touch keys of several slots.
 */
export class RedisTokenStore implements RevocationStore {
  /** The connection. */
  readonly client: Redis
  readonly #prefix: string
  readonly #leeway: number
  readonly #clock: () => number
  readonly #owned: boolean

  /**
   * A store on `client`, which the caller owns (and closes). Give the client {@link FAIL_FAST}'s
   * options, or use {@link connectRedisTokenStore}, so that calls fail instead of waiting when
   * Redis is away.
   */
  constructor(client: Redis, options: RedisTokenStoreOptions = {}, owned = false) {
    const prefix = options.prefix ?? 'simplejwt:'
    const leeway = options.leeway ?? 60
    if (typeof prefix !== 'string') throw new ConfigurationError('prefix must be a string')
    if (!Number.isFinite(leeway) || leeway < 0) {
      throw new ConfigurationError('leeway must be a number of seconds, 0 or more')
    }
    // Keys built inside the scripts would miss ioredis' own prefix.
    if (client.options.keyPrefix) {
      throw new ConfigurationError(
        "The Redis client has a keyPrefix: use the store's `prefix` option instead",
      )
    }
    this.client = client
    this.#prefix = prefix
    this.#leeway = leeway * 1000
    this.#clock = options.clock ?? Date.now
    this.#owned = owned
  }

  async addOutstanding(token: OutstandingToken): Promise<void> {
    await this.#run(ADD_OUTSTANDING, this.#recordKeys(token), this.#recordArgs(token))
  }

  async blacklist(token: OutstandingToken, at: Date): Promise<boolean> {
    const keys = [...this.#recordKeys(token), this.#key('blacklisted', token.jti)]
    const args = [...this.#recordArgs(token), String(at.getTime())]
    return (await this.#run(BLACKLIST, keys, args)) === 1
  }

  async isBlacklisted(jti: string): Promise<boolean> {
    return (await this.client.exists(this.#key('blacklisted', jti))) === 1
  }

  /** Nothing to do: every entry expires by itself with its token. Resolves 0. */
  async flushExpired(_now: Date): Promise<number> {
    return 0
  }

  async revokeFamily(family: string, at: Date, expiresAt: Date): Promise<boolean> {
    const key = this.#key('family', family)
    const done = await this.client.set(key, String(at.getTime()), 'PX', this.#ttl(expiresAt), 'NX')
    return done === 'OK'
  }

  async isFamilyRevoked(family: string): Promise<boolean> {
    return (await this.client.exists(this.#key('family', family))) === 1
  }

  async revokeUser(userId: string | number, at: Date, expiresAt: Date): Promise<number> {
    const user = String(userId)
    const now = this.#clock()
    const count = await this.#run(
      REVOKE_USER,
      [this.#key('user-tokens', user), this.#key('user', user)],
      [
        this.#prefix,
        String(at.getTime()),
        String(this.#ttl(expiresAt)),
        String(now - this.#leeway),
        String(now),
        String(this.#leeway),
        String(MINIMUM_TTL),
      ],
    )
    return Number(count)
  }

  async userRevokedAt(userId: string | number): Promise<Date | null> {
    const at = await this.client.get(this.#key('user', String(userId)))
    return at === null ? null : new Date(Number(at))
  }

  /** The outstanding record of `jti`, if Redis still keeps it. */
  async outstanding(jti: string): Promise<OutstandingToken | undefined> {
    const fields = await this.client.hgetall(this.#key('token', jti))
    if (fields['e'] === undefined) return undefined
    return {
      jti,
      userId: JSON.parse(fields['u'] ?? 'null') as string | number | null,
      tokenDigest: fields['d'] ?? '',
      createdAt: fields['c'] ? new Date(Number(fields['c'])) : null,
      expiresAt: new Date(Number(fields['e'])),
    }
  }

  /**
   * Milliseconds until Redis forgets an entry: a token's (`jti`; its blacklist entry when it has
   * one), a revoked family's or a revoked user's; null when there is none.
   */
  async remainingLife(kind: EntryKind, id: string): Promise<number | null> {
    const key =
      kind === 'token'
        ? (await this.client.exists(this.#key('blacklisted', id)))
          ? this.#key('blacklisted', id)
          : this.#key('token', id)
        : this.#key(kind, id)
    const ttl = await this.client.pttl(key)
    return ttl < 0 ? null : ttl
  }

  /** Closes the connection if the store opened it ({@link connectRedisTokenStore}). */
  async close(): Promise<void> {
    if (!this.#owned) return
    try {
      await this.client.quit()
    } catch {
      this.client.disconnect()
    }
  }

  #key(kind: EntryKind | 'blacklisted' | 'user-tokens', id: string): string {
    return `${this.#prefix}${kind}:${id}`
  }

  /** Milliseconds from now until `expiresAt` plus the leeway, at least {@link MINIMUM_TTL}. */
  #ttl(expiresAt: Date): number {
    return Math.max(Math.ceil(expiresAt.getTime() + this.#leeway - this.#clock()), MINIMUM_TTL)
  }

  #recordKeys(token: OutstandingToken): string[] {
    return [this.#key('token', token.jti), this.#key('user-tokens', String(token.userId ?? ''))]
  }

  #recordArgs(token: OutstandingToken): string[] {
    return [
      token.jti,
      JSON.stringify(token.userId),
      token.tokenDigest,
      token.createdAt === null ? '' : String(token.createdAt.getTime()),
      String(token.expiresAt.getTime()),
      String(this.#ttl(token.expiresAt)),
      token.userId === null ? '0' : '1',
      String(this.#clock() - this.#leeway),
    ]
  }

  /** Runs a script by its digest, sending it first when Redis does not have it (after a restart). */
  async #run(script: string, keys: readonly string[], args: readonly string[]): Promise<unknown> {
    const sha = digests.get(script) ?? createHash('sha1').update(script).digest('hex')
    digests.set(script, sha)
    try {
      return await this.client.evalsha(sha, keys.length, ...keys, ...args)
    } catch (error) {
      if (!(error instanceof Error) || !error.message.startsWith('NOSCRIPT')) throw error
      return this.client.eval(script, keys.length, ...keys, ...args)
    }
  }
}

const digests = new Map<string, string>()

/**
 * Connects to Redis with the fail-fast options and resolves the store once the connection is
 * ready; rejects when Redis cannot be reached within `connectTimeout` (two seconds), so that an
 * application can refuse to start without its store. Later outages make calls fail (the core
 * answers 503) until the connection, retried every second, is back.
 */
export async function connectRedisTokenStore(
  options: ConnectRedisOptions = {},
): Promise<RedisTokenStore> {
  const redisOptions: RedisOptions = { ...FAIL_FAST, ...options.redis, lazyConnect: true }
  const client =
    options.url === undefined ? new Redis(redisOptions) : new Redis(options.url, redisOptions)
  // Failures reach the callers as rejected calls; ioredis would print an unhandled event.
  client.on('error', options.onError ?? (() => {}))
  let store: RedisTokenStore
  try {
    store = new RedisTokenStore(client, options, true)
  } catch (error) {
    client.disconnect()
    throw error
  }
  try {
    await client.connect()
  } catch (error) {
    client.disconnect()
    throw error
  }
  return store
}
