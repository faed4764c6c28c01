import type { OutstandingToken, RevocationStore } from '@simplejwt/core'
import type { Pool } from 'pg'

interface TokenRow {
  jti: string
  user_id: string | number | null
  token_digest: string
  created_at: Date | null
  expires_at: Date
}

/**
 * Outstanding tokens and the blacklist in PostgreSQL (simplejwt's `token_blacklist` app), with the
 * families revoked by reuse detection and the users logged out everywhere. Each call is a single
 * statement, so of any number of concurrent blacklist calls for one token, from any number of
 * processes sharing the database, exactly one resolves true (the blacklist's unique `token_id`
 * decides).
 *
 * Created by {@link openPostgresStore}, on a pool whose schema it has migrated.
 */
export class PostgresTokenStore implements RevocationStore {
  readonly #pool: Pool
  readonly #sql: ReturnType<typeof statements>

  /** @internal */
  constructor(pool: Pool, quotedSchema: string) {
    this.#pool = pool
    this.#sql = statements(quotedSchema)
  }

  async addOutstanding(token: OutstandingToken): Promise<void> {
    await this.#pool.query(this.#sql.insert, toParams(token))
  }

  async blacklist(token: OutstandingToken, at: Date): Promise<boolean> {
    const params = [...toParams(token), at]
    const { rowCount } = await this.#pool.query(this.#sql.recordAndBlacklist, params)
    if (rowCount === 1) return true
    // Nothing blacklisted: either another call did first, or another transaction recorded the
    // token after this statement's snapshot was taken. A new statement sees that record.
    const again = await this.#pool.query(this.#sql.blacklist, [token.jti, at])
    return again.rowCount === 1
  }

  async isBlacklisted(jti: string): Promise<boolean> {
    return (await this.#pool.query(this.#sql.isBlacklisted, [jti])).rowCount === 1
  }

  async flushExpired(now: Date): Promise<number> {
    return (await this.#pool.query(this.#sql.flush, [now])).rowCount ?? 0
  }

  async revokeFamily(family: string, at: Date, expiresAt: Date): Promise<boolean> {
    const { rowCount } = await this.#pool.query(this.#sql.revokeFamily, [family, at, expiresAt])
    return rowCount === 1
  }

  async isFamilyRevoked(family: string): Promise<boolean> {
    return (await this.#pool.query(this.#sql.isFamilyRevoked, [family])).rowCount === 1
  }

  async revokeUser(userId: string | number, at: Date, expiresAt: Date): Promise<number> {
    const params = [String(userId), at, expiresAt]
    return (await this.#pool.query(this.#sql.revokeUser, params)).rowCount ?? 0
  }

  async userRevokedAt(userId: string | number): Promise<Date | null> {
    const { rows } = await this.#pool.query<{ revoked_at: Date }>(this.#sql.userRevokedAt, [
      String(userId),
    ])
    return rows[0]?.revoked_at ?? null
  }

  /** The outstanding record of `jti`, if any. */
  async outstanding(jti: string): Promise<OutstandingToken | undefined> {
    const { rows } = await this.#pool.query<TokenRow>(this.#sql.select, [jti])
    const row = rows[0]
    return row === undefined
      ? undefined
      : {
          jti: row.jti,
          userId: row.user_id,
          tokenDigest: row.token_digest,
          createdAt: row.created_at,
          expiresAt: row.expires_at,
        }
  }
}

function toParams(token: OutstandingToken): unknown[] {
  return [
    token.jti,
    token.userId === null ? null : JSON.stringify(token.userId),
    token.tokenDigest,
    token.createdAt,
    token.expiresAt,
  ]
}

function statements(s: string) {
  const insert = `INSERT INTO ${s}.outstanding_tokens
    (jti, user_id, token_digest, created_at, expires_at)
    VALUES ($1, $2::jsonb, $3, $4, $5) ON CONFLICT (jti) DO NOTHING`
  return {
    insert,
    recordAndBlacklist: `
      WITH recorded AS (${insert} RETURNING id),
      token AS (
        SELECT id FROM recorded
        UNION ALL SELECT id FROM ${s}.outstanding_tokens WHERE jti = $1
      )
      INSERT INTO ${s}.blacklisted_tokens (token_id, blacklisted_at)
      SELECT id, $6::timestamptz FROM token LIMIT 1
      ON CONFLICT (token_id) DO NOTHING`,
    blacklist: `
      INSERT INTO ${s}.blacklisted_tokens (token_id, blacklisted_at)
      SELECT id, $2::timestamptz FROM ${s}.outstanding_tokens WHERE jti = $1
      ON CONFLICT (token_id) DO NOTHING`,
    isBlacklisted: `
      SELECT 1 FROM ${s}.outstanding_tokens o JOIN ${s}.blacklisted_tokens b ON b.token_id = o.id
      WHERE o.jti = $1`,
    // Blacklist entries go with their token (ON DELETE CASCADE); rowCount counts tokens only.
    flush: `
      WITH families AS (DELETE FROM ${s}.revoked_families WHERE expires_at < $1),
      users AS (DELETE FROM ${s}.revoked_users WHERE expires_at < $1)
      DELETE FROM ${s}.outstanding_tokens WHERE expires_at < $1`,
    revokeFamily: `
      INSERT INTO ${s}.revoked_families (family, revoked_at, expires_at) VALUES ($1, $2, $3)
      ON CONFLICT (family) DO NOTHING`,
    isFamilyRevoked: `SELECT 1 FROM ${s}.revoked_families WHERE family = $1`,
    revokeUser: `
      WITH revoked AS (
        INSERT INTO ${s}.revoked_users AS r (user_key, revoked_at, expires_at)
        VALUES ($1, $2, $3)
        ON CONFLICT (user_key) DO UPDATE SET
          revoked_at = GREATEST(r.revoked_at, EXCLUDED.revoked_at),
          expires_at = GREATEST(r.expires_at, EXCLUDED.expires_at)
      )
      INSERT INTO ${s}.blacklisted_tokens (token_id, blacklisted_at)
      SELECT id, $2::timestamptz FROM ${s}.outstanding_tokens WHERE (user_id #>> '{}') = $1
      ON CONFLICT (token_id) DO NOTHING`,
    userRevokedAt: `SELECT revoked_at FROM ${s}.revoked_users WHERE user_key = $1`,
    select: `
      SELECT jti, user_id, token_digest, created_at, expires_at FROM ${s}.outstanding_tokens
      WHERE jti = $1`,
  }
}
