import type { OutstandingToken, TokenStore } from '@simplejwt/core'
import type Database from 'better-sqlite3'

interface TokenRow {
  jti: string
  user_id: string | number | null
  token_digest: string
  created_at: string | null
  expires_at: string
}

/**
 * Outstanding tokens and the blacklist in SQLite (simplejwt's `token_blacklist` app). Safe to share
 * one database file between processes: blacklisting is one IMMEDIATE transaction, so exactly one
 * caller blacklists a token.
 *
 * Created by {@link openSqliteStore}, on a connection it has set up and migrated.
 */
export class SqliteTokenStore implements TokenStore {
  readonly #insert: Database.Statement<[TokenRow]>
  readonly #blacklist: (row: TokenRow, at: string) => boolean
  readonly #isBlacklisted: Database.Statement<[string], { found: 1 }>
  readonly #flush: Database.Statement<[string]>
  readonly #select: Database.Statement<[string], TokenRow>

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
    this.#flush = db.prepare('DELETE FROM outstanding_tokens WHERE expires_at < ?')
    this.#select = db.prepare(
      `SELECT jti, user_id, token_digest, created_at, expires_at FROM outstanding_tokens
       WHERE jti = ?`,
    )
  }

  async addOutstanding(token: OutstandingToken): Promise<void> {
    this.#insert.run(toRow(token))
  }

  async blacklist(token: OutstandingToken, at: Date): Promise<boolean> {
    return this.#blacklist(toRow(token), at.toISOString())
  }

  async isBlacklisted(jti: string): Promise<boolean> {
    return this.#isBlacklisted.get(jti) !== undefined
  }

  async flushExpired(now: Date): Promise<number> {
    return this.#flush.run(now.toISOString()).changes
  }

  /** The outstanding record of `jti`, if any. */
  outstanding(jti: string): OutstandingToken | undefined {
    const row = this.#select.get(jti)
    return row === undefined ? undefined : fromRow(row)
  }
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
