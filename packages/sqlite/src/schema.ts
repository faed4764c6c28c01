import type Database from 'better-sqlite3'

/**
 * The schema, one entry a version: `PRAGMA user_version` holds how many have been applied. Never
 * edit an entry once released; append a new one.
 *
 * The tables follow Django's `auth_user` and simplejwt's `token_blacklist` app. Times are
 * ISO-8601 UTC text (`toISOString()`), which sorts as it compares.
 */
const MIGRATIONS: readonly string[] = [
  `
  -- AUTOINCREMENT: the id of a deleted user is never given to a new one, so tokens issued to the
  -- old user cannot authenticate as the new one.
  CREATE TABLE users (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    username TEXT UNIQUE NOT NULL,
    password TEXT NOT NULL,
    is_active INTEGER NOT NULL DEFAULT 1,
    is_staff INTEGER NOT NULL DEFAULT 0,
    last_login TEXT NULL,
    date_joined TEXT NOT NULL
  );

  -- user_id has no declared type, so a number stays a number and a string a string: it is the
  -- token's USER_ID_CLAIM, whatever the user store behind it uses as ids.
  CREATE TABLE outstanding_tokens (
    id INTEGER PRIMARY KEY,
    jti TEXT UNIQUE NOT NULL,
    user_id NULL,
    token_digest TEXT NOT NULL,
    created_at TEXT NULL,
    expires_at TEXT NOT NULL
  );
  CREATE INDEX outstanding_tokens_expires_at ON outstanding_tokens (expires_at);
  CREATE INDEX outstanding_tokens_user_id ON outstanding_tokens (user_id);

  CREATE TABLE blacklisted_tokens (
    id INTEGER PRIMARY KEY,
    token_id INTEGER UNIQUE NOT NULL REFERENCES outstanding_tokens (id) ON DELETE CASCADE,
    blacklisted_at TEXT NOT NULL
  );
  `,
  `
  -- Refresh-token families revoked by reuse detection, and users logged out everywhere, each kept
  -- until expires_at (flushExpired deletes them after). user_key is the user id as text, so the
  -- token claims 1 and "1" are one user.
  CREATE TABLE revoked_families (
    family TEXT PRIMARY KEY,
    revoked_at TEXT NOT NULL,
    expires_at TEXT NOT NULL
  );
  CREATE INDEX revoked_families_expires_at ON revoked_families (expires_at);

  CREATE TABLE revoked_users (
    user_key TEXT PRIMARY KEY,
    revoked_at TEXT NOT NULL,
    expires_at TEXT NOT NULL
  );
  CREATE INDEX revoked_users_expires_at ON revoked_users (expires_at);
  `,
]

/** The schema version this code writes and reads. */
export const SCHEMA_VERSION = MIGRATIONS.length

/**
 * Brings the database to {@link SCHEMA_VERSION}, one transaction a migration. Safe to run on every
 * start and from several processes at once.
 */
export function migrate(db: Database.Database): void {
  const found = userVersion(db)
  if (found > SCHEMA_VERSION) {
    throw new Error(
      `The database schema is version ${found}, newer than this @simplejwt/sqlite knows (${SCHEMA_VERSION}): upgrade the package`,
    )
  }
  for (let version = found + 1; version <= SCHEMA_VERSION; version++) {
    const sql = MIGRATIONS[version - 1] ?? ''
    db.transaction(() => {
      // Another process may have migrated since the version was read: read it again under the
      // write lock that an IMMEDIATE transaction holds.
      if (userVersion(db) >= version) return
      db.exec(sql)
      db.pragma(`user_version = ${version}`)
    }).immediate()
  }
}

function userVersion(db: Database.Database): number {
  return db.pragma('user_version', { simple: true }) as number
}
