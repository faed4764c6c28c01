import { createHash, randomUUID } from 'node:crypto'
import {
  ConfigurationError,
  type Rate,
  type ThrottleHit,
  type ThrottleStore,
} from '@simplejwt/core'
import type { Redis } from 'ioredis'

/**
 * DRF's throttle step as one atomic script: forget the times at or before the cutoff, then
 * record this one if fewer than the limit remain. A sorted set by time; members are unique, so
 * requests at the same instant count one by one.
 *
 * KEYS: the history. ARGV: now, cutoff (now - duration), limit, ttl (ms), member.
 * Returns {1} when recorded, {0, count, oldest} when refused (oldest '' when none).
 */
export const THROTTLE_HIT = `
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[2])
local count = redis.call('ZCARD', KEYS[1])
if count >= tonumber(ARGV[3]) then
  local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
  return {0, count, oldest[2] or ''}
end
redis.call('ZADD', KEYS[1], ARGV[1], ARGV[5])
redis.call('PEXPIRE', KEYS[1], ARGV[4])
return {1}
`

const SHA = createHash('sha1').update(THROTTLE_HIT).digest('hex')

/**
 * The obtain endpoints' request histories in Redis, shared by every instance of the application:
 * each call is one script, so N instances behind one Redis allow exactly the rate between them.
 * A history expires by itself `duration` seconds after its last recorded request. Keys: the
 * prefix, then the core's key (`throttle_login_<address>`, `throttle_login_user_<username>`).
 * Give the client the fail-fast options ({@link FAIL_FAST}) so that a Redis that is away fails
 * the call at once (the core answers 503).
 */
export class RedisThrottleStore implements ThrottleStore {
  readonly client: Redis
  readonly #prefix: string

  constructor(client: Redis, options: { readonly prefix?: string } = {}) {
    const prefix = options.prefix ?? 'simplejwt:'
    if (typeof prefix !== 'string') throw new ConfigurationError('prefix must be a string')
    if (client.options.keyPrefix) {
      throw new ConfigurationError(
        "The Redis client has a keyPrefix: use the store's `prefix` option instead",
      )
    }
    this.client = client
    this.#prefix = prefix
  }

  async hit(key: string, now: number, rate: Rate): Promise<ThrottleHit> {
    const args = [
      String(now),
      String(now - rate.duration),
      String(rate.numRequests),
      String(Math.ceil(rate.duration * 1000)),
      `${now}:${randomUUID()}`,
    ]
    const redisKey = `${this.#prefix}${key}`
    let answer: unknown
    try {
      answer = await this.client.evalsha(SHA, 1, redisKey, ...args)
    } catch (error) {
      // Redis forgot the script (a restart): send it once.
      if (!(error instanceof Error) || !error.message.startsWith('NOSCRIPT')) throw error
      answer = await this.client.eval(THROTTLE_HIT, 1, redisKey, ...args)
    }
    const [recorded, count, oldest] = answer as [number, number?, string?]
    if (recorded === 1) return { allowed: true }
    return { allowed: false, count: Number(count), oldest: oldest ? Number(oldest) : null }
  }
}
