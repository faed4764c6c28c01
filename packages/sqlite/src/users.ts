import {
  type DatabaseUser,
  DUMMY_PASSWORD_HASH,
  hashPassword,
  type NewDatabaseUser,
  UserExistsError,
  type UserStore,
  verifyPassword,
} from '@simplejwt/core'

export { UserExistsError }

import Database from 'better-sqlite3'

/** A user as {@link SqliteUserStore} returns it: never with its password hash. */
export type SqliteUser = DatabaseUser

/** A user to create, with its clear-text password (hashed before it is stored). */
export type NewSqliteUser = NewDatabaseUser

interface UserRow {
  id: number
  username: string
  is_active: number
  is_staff: number
  last_login: string | null
  date_joined: string
}

const USER_COLUMNS = 'id, username, is_active, is_staff, last_login, date_joined'

/**
 * Users in SQLite (the columns of Django's `auth_user` that simplejwt reads), passwords hashed
 * with scrypt in Django's format. Users are looked up by `id` or `username` only.
 *
 * Created by {@link openSqliteStore}, on a connection it has set up and migrated.
 */
export class SqliteUserStore implements UserStore<SqliteUser> {
  /** The credential that holds the username (looked up in the `username` column). */
  readonly usernameField: string
  readonly #byField: Readonly<Record<'id' | 'username', Database.Statement<[unknown], UserRow>>>
  readonly #withPassword: Database.Statement<[string], UserRow & { password: string }>
  readonly #insert: Database.Statement<[number | null, string, string, number, number, string]>
  readonly #updateLastLogin: Database.Statement<[string, number]>
  readonly #password: Database.Statement<[number], { password: string }>
  readonly #setPassword: Database.Statement<[string, number]>

  /** @internal */
  constructor(db: Database.Database, usernameField: string) {
    this.usernameField = usernameField
    this.#byField = {
      id: db.prepare(`SELECT ${USER_COLUMNS} FROM users WHERE id = ?`),
      username: db.prepare(`SELECT ${USER_COLUMNS} FROM users WHERE username = ?`),
    }
    this.#withPassword = db.prepare(
      `SELECT ${USER_COLUMNS}, password FROM users WHERE username = ?`,
    )
    this.#insert = db.prepare(
      `INSERT INTO users (id, username, password, is_active, is_staff, date_joined)
       VALUES (?, ?, ?, ?, ?, ?)`,
    )
    this.#updateLastLogin = db.prepare('UPDATE users SET last_login = ? WHERE id = ?')
    this.#password = db.prepare('SELECT password FROM users WHERE id = ?')
    this.#setPassword = db.prepare('UPDATE users SET password = ? WHERE id = ?')
  }

  getUser(field: string, value: unknown): SqliteUser | null {
    // Only two fields, each its own prepared statement: `field` never reaches SQL.
    if (field !== 'id' && field !== 'username') return null
    const key = field === 'id' ? toId(value) : toUsername(value)
    if (key === undefined) return null
    const row = this.#byField[field].get(key)
    return row === undefined ? null : toUser(row)
  }

  async authenticate(credentials: Readonly<Record<string, string>>): Promise<SqliteUser | null> {
    const username = credentials[this.usernameField]
    const password = credentials['password']
    const row = typeof username === 'string' ? this.#withPassword.get(username) : undefined
    // The hash is checked for unknown users too, so the time taken does not tell who exists.
    const ok = await verifyPassword(
      typeof password === 'string' ? password : '',
      row?.password ?? DUMMY_PASSWORD_HASH,
    )
    return ok && row !== undefined ? toUser(row) : null
  }

  async updateLastLogin(user: SqliteUser, at: Date): Promise<void> {
    this.#updateLastLogin.run(at.toISOString(), user.id)
  }

  /** The user's password hash, which CHECK_REVOKE_TOKEN hashes into tokens; null for no such user. */
  async revocationStamp(user: SqliteUser): Promise<string | null> {
    return this.#password.get(user.id)?.password ?? null
  }

  /**
   * Hashes and sets a new password (with CHECK_REVOKE_TOKEN, the user's earlier tokens stop
   * working); resolves false when there is no user with this id.
   */
  async setPassword(user: Pick<SqliteUser, 'id'>, password: string): Promise<boolean> {
    const hash = await hashPassword(password)
    return this.#setPassword.run(hash, user.id).changes === 1
  }

  /** Adds a user, hashing its password; throws {@link UserExistsError} when the username or id is taken. */
  async createUser(user: NewSqliteUser): Promise<SqliteUser> {
    const hash = await hashPassword(user.password)
    const dateJoined = (user.dateJoined ?? new Date()).toISOString()
    try {
      const { lastInsertRowid } = this.#insert.run(
        user.id ?? null,
        user.username,
        hash,
        user.isActive === false ? 0 : 1,
        user.isStaff === true ? 1 : 0,
        dateJoined,
      )
      const row = this.#byField.id.get(lastInsertRowid)
      if (row === undefined) throw new Error('The user just created cannot be read back')
      return toUser(row)
    } catch (error) {
      if (error instanceof Database.SqliteError) {
        if (error.code === 'SQLITE_CONSTRAINT_UNIQUE') {
          throw new UserExistsError('username', user.username, { cause: error })
        }
        if (error.code === 'SQLITE_CONSTRAINT_PRIMARYKEY') {
          throw new UserExistsError('id', user.id ?? '', { cause: error })
        }
      }
      throw error
    }
  }
}

/** A user id as a token carries it (`1` or `"1"`), or undefined when it cannot be one. */
function toId(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isSafeInteger(value) ? value : undefined
  if (typeof value === 'string' && /^-?[0-9]{1,15}$/.test(value)) return Number(value)
  return undefined
}

function toUsername(value: unknown): string | undefined {
  if (typeof value === 'string') return value
  return typeof value === 'number' ? String(value) : undefined
}

function toUser(row: UserRow): SqliteUser {
  return Object.freeze({
    id: row.id,
    username: row.username,
    isActive: row.is_active === 1,
    isStaff: row.is_staff === 1,
    lastLogin: row.last_login === null ? null : new Date(row.last_login),
    dateJoined: new Date(row.date_joined),
  })
}
