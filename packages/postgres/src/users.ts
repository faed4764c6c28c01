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

import { DatabaseError, type Pool } from 'pg'

/** A user as {@link PostgresUserStore} returns it: never with its password hash. */
export type PostgresUser = DatabaseUser

/** A user to create, with its clear-text password (hashed before it is stored). */
export type NewPostgresUser = NewDatabaseUser

interface UserRow {
  id: number
  username: string
  is_active: boolean
  is_staff: boolean
  last_login: Date | null
  date_joined: Date
}

const USER_COLUMNS = 'id, username, is_active, is_staff, last_login, date_joined'
// Largest id of an INTEGER column.
const MAX_ID = 2 ** 31 - 1

/**
 * Users in PostgreSQL (the columns of Django's `auth_user` that simplejwt reads), passwords hashed
 * with scrypt in Django's format. Users are looked up by `id` or `username` only.
 *
 * Created by {@link openPostgresStore}, on a pool whose schema it has migrated.
 */
export class PostgresUserStore implements UserStore<PostgresUser> {
  /** The credential that holds the username (looked up in the `username` column). */
  readonly usernameField: string
  readonly #pool: Pool
  /** The schema-qualified, quoted table name. */
  readonly #table: string

  /** @internal */
  constructor(pool: Pool, quotedSchema: string, usernameField: string) {
    this.usernameField = usernameField
    this.#pool = pool
    this.#table = `${quotedSchema}.users`
  }

  async getUser(field: string, value: unknown): Promise<PostgresUser | null> {
    // Only two fields, each its own statement: `field` never reaches SQL.
    if (field !== 'id' && field !== 'username') return null
    const key = field === 'id' ? toId(value) : toUsername(value)
    if (key === undefined) return null
    const column = field === 'id' ? 'id' : 'username'
    const { rows } = await this.#pool.query<UserRow>(
      `SELECT ${USER_COLUMNS} FROM ${this.#table} WHERE ${column} = $1`,
      [key],
    )
    return rows[0] === undefined ? null : toUser(rows[0])
  }

  async authenticate(credentials: Readonly<Record<string, string>>): Promise<PostgresUser | null> {
    const username = credentials[this.usernameField]
    const password = credentials['password']
    const row =
      typeof username === 'string' && !username.includes('\0')
        ? (
            await this.#pool.query<UserRow & { password: string }>(
              `SELECT ${USER_COLUMNS}, password FROM ${this.#table} WHERE username = $1`,
              [username],
            )
          ).rows[0]
        : undefined
    // The hash is checked for unknown users too, so the time taken does not tell who exists.
    const ok = await verifyPassword(
      typeof password === 'string' ? password : '',
      row?.password ?? DUMMY_PASSWORD_HASH,
    )
    return ok && row !== undefined ? toUser(row) : null
  }

  async updateLastLogin(user: PostgresUser, at: Date): Promise<void> {
    await this.#pool.query(`UPDATE ${this.#table} SET last_login = $1 WHERE id = $2`, [at, user.id])
  }

  /** The user's password hash, which CHECK_REVOKE_TOKEN hashes into tokens; null for no such user. */
  async revocationStamp(user: PostgresUser): Promise<string | null> {
    const { rows } = await this.#pool.query<{ password: string }>(
      `SELECT password FROM ${this.#table} WHERE id = $1`,
      [user.id],
    )
    return rows[0]?.password ?? null
  }

  /**
   * Hashes and sets a new password (with CHECK_REVOKE_TOKEN, the user's earlier tokens stop
   * working); resolves false when there is no user with this id.
   */
  async setPassword(user: Pick<PostgresUser, 'id'>, password: string): Promise<boolean> {
    const hash = await hashPassword(password)
    const { rowCount } = await this.#pool.query(
      `UPDATE ${this.#table} SET password = $1 WHERE id = $2`,
      [hash, user.id],
    )
    return rowCount === 1
  }

  /** Adds a user, hashing its password; throws {@link UserExistsError} when the username or id is taken. */
  async createUser(user: NewPostgresUser): Promise<PostgresUser> {
    const hash = await hashPassword(user.password)
    const values = [
      user.username,
      hash,
      user.isActive !== false,
      user.isStaff === true,
      user.dateJoined ?? new Date(),
    ]
    try {
      const { rows } =
        user.id === undefined
          ? await this.#pool.query<UserRow>(
              `INSERT INTO ${this.#table} (username, password, is_active, is_staff, date_joined)
               VALUES ($1, $2, $3, $4, $5) RETURNING ${USER_COLUMNS}`,
              values,
            )
          : await this.#insertWithId(user.id, values)
      const row = rows[0]
      if (row === undefined) throw new Error('The user just created cannot be read back')
      return toUser(row)
    } catch (error) {
      if (error instanceof DatabaseError && error.code === '23505') {
        if (error.constraint?.endsWith('_pkey')) {
          throw new UserExistsError('id', user.id ?? '', { cause: error })
        }
        throw new UserExistsError('username', user.username, { cause: error })
      }
      throw error
    }
  }

  /**
   * Inserts a user with a chosen id, and moves the id sequence past it if needed, so that the
   * next user without one does not collide with it. The sequence never moves back: a deleted
   * user's id is not given again.
   */
  async #insertWithId(id: number, values: unknown[]) {
    const client = await this.#pool.connect()
    try {
      await client.query('BEGIN')
      const inserted = await client.query<UserRow>(
        `INSERT INTO ${this.#table} (id, username, password, is_active, is_staff, date_joined)
         OVERRIDING SYSTEM VALUE VALUES ($6, $1, $2, $3, $4, $5) RETURNING ${USER_COLUMNS}`,
        [...values, id],
      )
      await client.query(
        `SELECT setval(seq, $1) FROM (SELECT pg_get_serial_sequence($2, 'id')::regclass AS seq) s
         WHERE $1 > coalesce(pg_sequence_last_value(seq), 0)`,
        [id, this.#table],
      )
      await client.query('COMMIT')
      return inserted
    } catch (error) {
      await client.query('ROLLBACK').catch(() => {})
      throw error
    } finally {
      client.release()
    }
  }
}

/** A user id as a token carries it (`1` or `"1"`), or undefined when it cannot be one. */
function toId(value: unknown): number | undefined {
  const id =
    typeof value === 'number'
      ? value
      : typeof value === 'string' && /^-?[0-9]{1,10}$/.test(value)
        ? Number(value)
        : Number.NaN
  return Number.isSafeInteger(id) && Math.abs(id) <= MAX_ID ? id : undefined
}

function toUsername(value: unknown): string | undefined {
  // PostgreSQL text cannot hold NUL, which no username has.
  if (typeof value === 'string') return value.includes('\0') ? undefined : value
  return typeof value === 'number' ? String(value) : undefined
}

function toUser(row: UserRow): PostgresUser {
  return Object.freeze({
    id: row.id,
    username: row.username,
    isActive: row.is_active,
    isStaff: row.is_staff,
    lastLogin: row.last_login,
    dateJoined: row.date_joined,
  })
}
