import type { OutstandingToken, RevocationStore } from '@simplejwt/core'
import type Database from 'better-sqlite3'

interface TokenRow {
  jti: string
  user_id: string | number | null
  token_digest: string
  created_at: string | null
  expires_at: string
}

/**
 * Outstanding tokens and the blacklist in SQLite (simplejwt's `token_blacklist` app), with the
 * families revoked by reuse detection and the users logged out everywhere. Safe to share one
 * database file between processes: blacklisting is one IMMEDIATE transaction, so exactly one
 * caller blacklists a token.
 *
 * Created by {@link openSqliteStore}, on a connection it has set up and migrated.
 */
export class SqliteTokenStore implements RevocationStore {
  readonly #insert: Database.Statement<[TokenRow]>
  readonly #blacklist: (row: TokenRow, at: string) => boolean
  readonly #isBlacklisted: Database.Statement<[string], { found: 1 }>
  readonly #flush: (now: string) => number
  readonly #select: Database.Statement<[string], TokenRow>
  readonly #revokeFamily: Database.Statement<[string, string, string]>
  readonly #isFamilyRevoked: Database.Statement<[string], { found: 1 }>
  readonly #revokeUser: (key: string, ids: UserIds, at: string, until: string) => number
  readonly #userRevokedAt: Database.Statement<[string], { revoked_at: string }>

  /** @internal */
  constructor(db: Database.Database) {
    this.#insert = db.prepare(
      `INSERT OR IGNORE INTO outstanding_tokens (jti, user_id, token_digest, created_at, expires_at)
       VALUES (@jti, @user_id, @token_digest, @created_at, @expires_at)`,
    )
    const blacklist = db.prepare<[string, string]>(
      `INSERT OR IGNORE INTO blacklisted_tokens (token_id, blacklisted_at)
       SELECT id, ? FROM outstanding_tokens WHERE jti = ?`,
    )
    // IMMEDIATE takes the write lock first: another connection waits (busy_timeout) rather than
    // reading the same "not blacklisted yet" and failing on commit.
    const transaction = db.transaction((row: TokenRow, at: string) => {
      this.#insert.run(row)
      return blacklist.run(at, row.jti).changes === 1
    })
    this.#blacklist = (row, at) => transaction.immediate(row, at)
    this.#isBlacklisted = db.prepare(
      `SELECT 1 AS found FROM outstanding_tokens o JOIN blacklisted_tokens b ON b.token_id = o.id
       WHERE o.jti = ?`,
    )
    // Blacklist entries go with their token (ON DELETE CASCADE); `changes` counts tokens only.
    const flushTokens = db.prepare<[string]>('DELETE FROM outstanding_tokens WHERE expires_at < ?')
    const flushFamilies = db.prepare<[string]>('DELETE FROM revoked_families WHERE expires_at < ?')
    const flushUsers = db.prepare<[string]>('DELETE FROM revoked_users WHERE expires_at < ?')
    const flush = db.transaction((now: string) => {
      flushFamilies.run(now)
      flushUsers.run(now)
      return flushTokens.run(now).changes
    })
    this.#flush = (now) => flush.immediate(now)
    this.#select = db.prepare(
      `SELECT jti, user_id, token_digest, created_at, expires_at FROM outstanding_tokens
       WHERE jti = ?`,
    )
    this.#revokeFamily = db.prepare(
      `INSERT OR IGNORE INTO revoked_families (family, revoked_at, expires_at) VALUES (?, ?, ?)`,
    )
    this.#isFamilyRevoked = db.prepare('SELECT 1 AS found FROM revoked_families WHERE family = ?')
    // ISO-8601 UTC text compares as the times do, so max() keeps the later one.
    const recordUser = db.prepare<[string, string, string]>(
      `INSERT INTO revoked_users (user_key, revoked_at, expires_at) VALUES (?, ?, ?)
       ON CONFLICT (user_key) DO UPDATE SET
         revoked_at = max(revoked_at, excluded.revoked_at),
         expires_at = max(expires_at, excluded.expires_at)`,
    )
    const blacklistUser = db.prepare<[string, ...UserIds]>(
      `INSERT OR IGNORE INTO blacklisted_tokens (token_id, blacklisted_at)
       SELECT id, ? FROM outstanding_tokens WHERE user_id IN (?, ?)`,
    )
    const revokeUser = db.transaction((key: string, ids: UserIds, at: string, until: string) => {
      recordUser.run(key, at, until)
      return blacklistUser.run(at, ...ids).changes
    })
    this.#revokeUser = (key, ids, at, until) => revokeUser.immediate(key, ids, at, until)
    this.#userRevokedAt = db.prepare('SELECT revoked_at FROM revoked_users WHERE user_key = ?')
  }

  async addOutstanding(token: OutstandingToken): Promise<void> {
    this.#insert.run(toRow(token))
  }

  async blacklist(token: OutstandingToken, at: Date): Promise<boolean> {
    return this.#blacklist(toRow(token), at.toISOString())
  }

  isBlacklisted(jti: string): boolean {
    return this.#isBlacklisted.get(jti) !== undefined
  }

  async flushExpired(now: Date): Promise<number> {
    return this.#flush(now.toISOString())
  }

  async revokeFamily(family: string, at: Date, expiresAt: Date): Promise<boolean> {
    return this.#revokeFamily.run(family, at.toISOString(), expiresAt.toISOString()).changes === 1
  }

  isFamilyRevoked(family: string): boolean {
    return this.#isFamilyRevoked.get(family) !== undefined
  }

  async revokeUser(userId: string | number, at: Date, expiresAt: Date): Promise<number> {
    return this.#revokeUser(
      String(userId),
      userIds(userId),
      at.toISOString(),
      expiresAt.toISOString(),
    )
  }

  userRevokedAt(userId: string | number): Date | null {
    const row = this.#userRevokedAt.get(String(userId))
    return row === undefined ? null : new Date(row.revoked_at)
  }

  /** The outstanding record of `jti`, if any. */
  outstanding(jti: string): OutstandingToken | undefined {
    const row = this.#select.get(jti)
    return row === undefined ? undefined : fromRow(row)
  }
}

/** A user id in both of the forms a token may carry it: `1` and `"1"`. */
type UserIds = [number | string, number | string]

function userIds(userId: string | number): UserIds {
  if (typeof userId === 'number') return [userId, String(userId)]
  const asNumber = Number(userId)
  return /^-?[0-9]+$/.test(userId) && String(asNumber) === userId
    ? [userId, asNumber]
    : [userId, userId]
}

function toRow(token: OutstandingToken): TokenRow {
  return {
    jti: token.jti,
    user_id: token.userId,
    token_digest: token.tokenDigest,
    created_at: token.createdAt?.toISOString() ?? null,
    expires_at: token.expiresAt.toISOString(),
  }
}

function fromRow(row: TokenRow): OutstandingToken {
  return {
    jti: row.jti,
    userId: row.user_id,
    tokenDigest: row.token_digest,
    createdAt: row.created_at === null ? null : new Date(row.created_at),
    expiresAt: new Date(row.expires_at),
  }
}
