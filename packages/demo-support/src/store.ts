import { mkdirSync } from 'node:fs'
import { dirname } from 'node:path'
import {
  type DatabaseUser,
  type NewDatabaseUser,
  type OutstandingToken,
  type RevocationStore,
  SimpleJWTError,
  type UserStore,
} from '@simplejwt/core'
import { openSqliteStore } from '@simplejwt/sqlite'
import { type DatabaseConfig, DemoConfigError, type RedisConfig } from './config'

/** The contract's users, created on an empty database (the reference's ids). */
export const SEED_USERS = [
  { id: 1, username: 'alice', password: 'alice-password' },
  { id: 2, username: 'bob', password: 'bob-password', isActive: false },
  { id: 3, username: 'admin', password: 'admin-password', isStaff: true },
] as const

/** A user of the demo apps, as the SQLite and PostgreSQL stores return it. */
export type DemoUser = DatabaseUser

/** A user to create, with its clear-text password. */
export type NewDemoUser = NewDatabaseUser

/** What the demo apps need of a user store, SQLite or PostgreSQL. */
export interface DemoUserStore extends UserStore<DemoUser> {
  readonly usernameField: string
  /** Throws an error with `code: 'user_exists'` when the username or id is taken. */
  createUser(user: NewDemoUser): Promise<DemoUser>
  /** Resolves false when there is no user with this id. */
  setPassword(user: Pick<DemoUser, 'id'>, password: string): Promise<boolean>
}

/** The token store of the demo apps: SQLite, PostgreSQL or Redis, with the revocation methods. */
export type DemoTokenStore = RevocationStore & {
  /** The outstanding record of `jti`, if the store keeps it (SQLite answers at once). */
  outstanding(jti: string): OutstandingToken | undefined | Promise<OutstandingToken | undefined>
}

/** The opened store: users from DATABASE_URL, tokens from REDIS_URL or else DATABASE_URL. */
export interface DemoStore {
  readonly users: DemoUserStore
  readonly tokens: DemoTokenStore
  /** Whether this call created seed users (the database had no user). */
  readonly seeded: boolean
  /** Where users and tokens live, for the start-up line; never with a password. */
  readonly description: string
  /** Closes the token store, then the database. */
  close(): Promise<void>
}

/** Where the store's connection problems are reported, one line each. */
export type StoreLog = (line: string) => void

/** Whether `error` is a store's UserExistsError (the username or id is taken). */
export function isUserExists(error: unknown): boolean {
  return error instanceof SimpleJWTError && error.code === 'user_exists'
}

/**
 * Opens the database of `DATABASE_URL` (creating a SQLite file's folder; creating or migrating a
 * PostgreSQL schema's tables), connects to Redis when `redis` is given, and adds the seed users
 * when the database has no user at all. Several processes may start at once on one database:
 * the users another one created first are left as they are. A database or Redis that cannot be
 * reached is a {@link DemoConfigError} saying which, never printing a password.
 */
export async function openDemoStore(
  database: DatabaseConfig,
  redis: RedisConfig | null = null,
  log: StoreLog = () => {},
): Promise<DemoStore> {
  // Redis first: a Redis that cannot be reached leaves no new database file behind.
  const redisStore = redis === null ? null : await connectRedis(redis, log)
  let db: OpenDatabase
  try {
    db = await openDatabase(database, log)
  } catch (error) {
    await redisStore?.close()
    throw error
  }
  try {
    const seeded = (await db.countUsers()) === 0 && (await seed(db.users))
    return {
      users: db.users,
      tokens: redisStore ?? db.tokens,
      seeded,
      description:
        redis === null
          ? db.description
          : `users in ${db.description}, tokens in ${redis.display} (prefix '${redis.prefix}')`,
      close: async () => {
        await redisStore?.close()
        await db.close()
      },
    }
  } catch (error) {
    await redisStore?.close()
    await db.close()
    throw error
  }
}

interface OpenDatabase {
  readonly users: DemoUserStore
  readonly tokens: DemoTokenStore
  readonly description: string
  countUsers(): Promise<number>
  close(): Promise<void>
}

async function openDatabase(config: DatabaseConfig, log: StoreLog): Promise<OpenDatabase> {
  if (config.kind === 'sqlite') {
    const { path } = config
    if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true })
    const store = openSqliteStore(path)
    const count = store.db.prepare<[], { count: number }>('SELECT count(*) AS count FROM users')
    return {
      users: store.users,
      tokens: store.tokens,
      description: `sqlite:${path}`,
      countUsers: async () => count.get()?.count ?? 0,
      close: async () => store.close(),
    }
  }
  const where = `PostgreSQL at ${config.display} (schema ${config.schema})`
  // Loaded only when asked for: a demo on SQLite starts without pg.
  const { openPostgresStore } = await import('@simplejwt/postgres')
  let store: Awaited<ReturnType<typeof openPostgresStore>>
  try {
    store = await openPostgresStore({
      connectionString: config.connectionString,
      schema: config.schema,
      onError: (error) => log(`${where}: ${errorText(error, config.connectionString)}`),
    })
  } catch (error) {
    if (error instanceof SimpleJWTError) throw error
    const reason = errorText(error, config.connectionString)
    throw new DemoConfigError(`DATABASE_URL: cannot open ${where}: ${reason}`, { cause: error })
  }
  const { pool, schema } = store
  const table = `"${schema}".users`
  return {
    users: store.users,
    tokens: store.tokens,
    description: where,
    countUsers: async () =>
      (await pool.query<{ count: number }>(`SELECT count(*)::int AS count FROM ${table}`)).rows[0]
        ?.count ?? 0,
    close: () => store.close(),
  }
}

/**
 * Connects to Redis, and reports each outage once, when it starts and when it ends; meanwhile
 * the store's calls fail and the core answers 503.
 */
async function connectRedis(config: RedisConfig, log: StoreLog) {
  const where = `Redis at ${config.display}`
  let connected = false
  let healthy = true
  // A failed connection rejects with "Connection is closed"; the reason came as an error event.
  let firstError: unknown
  // Loaded only when asked for: a demo without REDIS_URL starts without ioredis.
  const { connectRedisTokenStore } = await import('@simplejwt/redis')
  try {
    const store = await connectRedisTokenStore({
      url: config.url,
      prefix: config.prefix,
      onError: (error) => {
        firstError ??= error
        if (!connected || !healthy) return
        healthy = false
        const reason = errorText(error, config.url)
        log(`${where} cannot be reached (${reason}): refusing with 503 until it is back`)
      },
    })
    connected = true
    store.client.on('ready', () => {
      if (healthy) return
      healthy = true
      log(`${where} is back`)
    })
    return store
  } catch (error) {
    if (error instanceof SimpleJWTError) throw error
    const reason = errorText(firstError ?? error, config.url)
    throw new DemoConfigError(`REDIS_URL: cannot connect to ${where}: ${reason}`, { cause: error })
  }
}

/** Creates the seed users; resolves whether this process created any of them. */
async function seed(users: DemoUserStore): Promise<boolean> {
  let created = false
  for (const user of SEED_USERS) {
    try {
      await users.createUser(user)
      created = true
    } catch (error) {
      // Another process started on the same new database and seeded it first.
      if (!isUserExists(error)) throw error
    }
  }
  return created
}

/**
 * An error's message (a connection refused on every address has its reasons in `errors`), with
 * the password of `url`, should a driver ever repeat it, replaced by `***`.
 */
function errorText(error: unknown, url: string): string {
  const text = messageOf(error)
  const password = passwordOf(url)
  return password === '' ? text : text.replaceAll(password, '***')
}

function messageOf(error: unknown): string {
  if (!(error instanceof Error)) return String(error)
  if (error.message !== '') return error.message
  const inner = (error as { errors?: unknown }).errors
  if (Array.isArray(inner) && inner.length > 0) return inner.map(messageOf).join('; ')
  return (error as { code?: string }).code ?? error.name
}

function passwordOf(url: string): string {
  try {
    return decodeURIComponent(new URL(url).password)
  } catch {
    return ''
  }
}
