// The Lua scripts that make each store call one atomic step on the Redis server. Times are
// milliseconds since the epoch, from the store's clock; every key expires with its token.

/**
 * Records an outstanding token unless it is recorded already, and indexes it under its user.
 * Shared by ADD_OUTSTANDING and BLACKLIST.
 *
 * KEYS: token hash, user's token index (a sorted set of jtis by expiry).
 * ARGV: jti, user id as JSON, digest, created at ('' for none), expires at, ttl, has user
 *       ('1' or '0'), prune before (index entries whose token expired before this go).
 */
const RECORD = `
local function record()
  if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
  redis.call('HSET', KEYS[1], 'u', ARGV[2], 'd', ARGV[3], 'c', ARGV[4], 'e', ARGV[5])
  redis.call('PEXPIRE', KEYS[1], ARGV[6])
  if ARGV[7] == '1' then
    redis.call('ZADD', KEYS[2], ARGV[5], ARGV[1])
    redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', '(' .. ARGV[8])
    if redis.call('PTTL', KEYS[2]) < tonumber(ARGV[6]) then
      redis.call('PEXPIRE', KEYS[2], ARGV[6])
    end
  end
  return 1
end
`

/** addOutstanding: RECORD alone. */
export const ADD_OUTSTANDING = `${RECORD}
return record()
`

/**
 * blacklist: RECORD, then the blacklist entry if there is none yet. Resolves 1 for the one call
 * that created it, 0 for every other.
 *
 * KEYS: as RECORD, then the blacklist entry. ARGV: as RECORD, then blacklisted at.
 */
export const BLACKLIST = `${RECORD}
record()
if redis.call('SET', KEYS[3], ARGV[9], 'NX', 'PX', ARGV[6]) then return 1 end
return 0
`

/**
 * revokeUser: keeps the later of the recorded and the given revocation time (and the longer
 * life), then blacklists every indexed token of the user that is not yet. Resolves how many it
 * blacklisted.
 *
 * KEYS: user's token index, user's revocation time.
 * ARGV: key prefix, revoked at, ttl of the revocation, prune before, now, leeway (ms), minimum ttl.
 */
export const REVOKE_USER = `
local at = tonumber(ARGV[2])
local keep = tonumber(ARGV[3])
local known = redis.call('GET', KEYS[2])
if known and tonumber(known) > at then at = tonumber(known) end
local pttl = redis.call('PTTL', KEYS[2])
if pttl > keep then keep = pttl end
redis.call('SET', KEYS[2], string.format('%d', at), 'PX', string.format('%d', keep))

redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', '(' .. ARGV[4])
local members = redis.call('ZRANGE', KEYS[1], 0, -1, 'WITHSCORES')
local now = tonumber(ARGV[5])
local leeway = tonumber(ARGV[6])
local minimum = tonumber(ARGV[7])
local count = 0
for i = 1, #members, 2 do
  local ttl = tonumber(members[i + 1]) + leeway - now
  if ttl < minimum then ttl = minimum end
  local key = ARGV[1] .. 'blacklisted:' .. members[i]
  if redis.call('SET', key, ARGV[2], 'NX', 'PX', string.format('%d', ttl)) then
    count = count + 1
  end
end
return count
`
