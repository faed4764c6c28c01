import { ConfigurationError } from '@simplejwt/core'
import Database from 'better-sqlite3'
import { migrate } from './schema'
import { SqliteTokenStore } from './tokens'
import { SqliteUserStore } from './users'

/** Options of {@link openSqliteStore}. */
export interface SqliteStoreOptions {
  /**
   * The credential the token-obtain endpoints ask for next to `password` (Django's
   * USERNAME_FIELD), looked up in the `username` column. Default `username`.
   */
  readonly usernameField?: string
  /**
   * How long a call waits for another connection's write lock before failing (SQLite's
   * `busy_timeout`), in milliseconds. The wait blocks the event loop. Default 5000.
   */
  readonly busyTimeout?: number
}

/** The users and the token blacklist in one SQLite database. */
export interface SqliteStore {
  /** The `UserStore` to give `createSimpleJWT` as `users`. */
  readonly users: SqliteUserStore
  /** The `TokenStore` to give `createSimpleJWT` as `tokens`. */
  readonly tokens: SqliteTokenStore
  /** The connection both share. */
  readonly db: Database.Database
  /** Closes the connection. */
  close(): void
}

/**
 * Opens (creating it if needed) the SQLite database at `path`, or an in-memory one for
 * `':memory:'`, and brings its schema up to date.
 *
 * The database is in WAL mode with `synchronous = FULL`, so a token blacklisted before a crash or
 * power loss is still blacklisted after it, and several processes can share the file.
 */
export function openSqliteStore(
  path: string | ':memory:',
  options: SqliteStoreOptions = {},
): SqliteStore {
  const usernameField = options.usernameField ?? 'username'
  if (usernameField === '' || usernameField === 'password') {
    throw new ConfigurationError(`usernameField cannot be '${usernameField}'`)
  }
  const busyTimeout = options.busyTimeout ?? 5000
  if (!Number.isSafeInteger(busyTimeout) || busyTimeout < 0) {
    throw new ConfigurationError('busyTimeout must be a whole number of milliseconds, 0 or more')
  }

  const db = new Database(path, { timeout: busyTimeout })
  try {
    db.pragma('journal_mode = WAL')
    db.pragma('synchronous = FULL')
    db.pragma('foreign_keys = ON')
    migrate(db)
    return {
      users: new SqliteUserStore(db, usernameField),
      tokens: new SqliteTokenStore(db),
      db,
      close: () => db.close(),
    }
  } catch (error) {
    db.close()
    throw error
  }
}
