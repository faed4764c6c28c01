import { ConfigurationError } from '@simplejwt/core'
import { Pool, type PoolConfig } from 'pg'
import { migrate, quoteIdentifier } from './schema'
import { PostgresThrottleStore } from './throttle'
import { PostgresTokenStore } from './tokens'
import { PostgresUserStore } from './users'

/** Options of {@link openPostgresStore}. */
export interface PostgresStoreOptions {
  /**
   * The database, as a `postgres://` URL (such as DATABASE_URL). Without it (and without `pool`),
   * `pg` reads the usual PGHOST, PGUSER, PGDATABASE, ... variables.
   */
  readonly connectionString?: string
  /**
   * A pool of the caller's to use instead of opening one; the caller closes it. Give it
   * {@link FAIL_FAST}'s timeouts, so that calls fail instead of waiting on a database that is away.
   */
  readonly pool?: Pool
  /** `pg` pool options, over the fail-fast defaults ({@link FAIL_FAST}). */
  readonly poolConfig?: PoolConfig
  /**
   * The schema holding the tables, created if needed. Several applications, or test runs, can
   * share one database with a schema each. Default `public`.
   */
  readonly schema?: string
  /**
   * The credential the token-obtain endpoints ask for next to `password` (Django's
   * USERNAME_FIELD), looked up in the `username` column. Default `username`.
   */
  readonly usernameField?: string
  /**
   * Create the schema and its tables when they are not there. False: a schema without them is an
   * error (a mistyped name in a maintenance command). Older tables are migrated either way.
   * Default true.
   */
  readonly create?: boolean
  /**
   * Called with errors of idle connections (the server restarted, a connection was cut), for
   * logging; the pool replaces them by itself. Default: none.
   */
  readonly onError?: (error: Error) => void
}

/**
 * The pool options the store's own pool uses: waiting for a connection, and any one query, fail
 * after a few seconds, so that a request never hangs on a database that is away (the core answers
 * 503); new connections are made as needed, so the store works again as soon as the database is
 * back.
 */
export const FAIL_FAST: PoolConfig = Object.freeze({
  connectionTimeoutMillis: 2000,
  query_timeout: 5000,
  idleTimeoutMillis: 10_000,
  max: 10,
})

/** The users, the token blacklist and the login throttle's histories in one PostgreSQL schema. */
export interface PostgresStore {
  /** The `UserStore` to give `createSimpleJWT` as `users`. */
  readonly users: PostgresUserStore
  /** The `TokenStore` to give `createSimpleJWT` as `tokens`. */
  readonly tokens: PostgresTokenStore
  /** The `ThrottleStore` of the obtain endpoints' throttle (`createThrottle(settings, throttle)`). */
  readonly throttle: PostgresThrottleStore
  /** The pool both share. */
  readonly pool: Pool
  /** The schema holding the tables. */
  readonly schema: string
  /** Closes the pool, if the store opened it. */
  close(): Promise<void>
}

const SCHEMA_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/

/**
 * Connects to PostgreSQL and brings the schema's tables up to date (created and migrated on
 * every start, versioned, safe when several processes start at once). Rejects when the database
 * cannot be reached or migrated, so that an application can refuse to start without its store.
 */
export async function openPostgresStore(
  options: PostgresStoreOptions = {},
): Promise<PostgresStore> {
  const usernameField = options.usernameField ?? 'username'
  if (usernameField === '' || usernameField === 'password') {
    throw new ConfigurationError(`usernameField cannot be '${usernameField}'`)
  }
  const schema = options.schema ?? 'public'
  if (!SCHEMA_NAME.test(schema)) {
    throw new ConfigurationError(
      `schema must be a letter or underscore followed by up to 62 letters, digits or underscores; got '${schema}'`,
    )
  }
  if (options.pool !== undefined && options.connectionString !== undefined) {
    throw new ConfigurationError('Give connectionString or pool, not both')
  }

  const owned = options.pool === undefined
  const pool =
    options.pool ??
    new Pool({
      ...FAIL_FAST,
      ...options.poolConfig,
      ...(options.connectionString === undefined
        ? {}
        : { connectionString: options.connectionString }),
    })
  // An idle connection's error would otherwise be an unhandled 'error' event, ending the process.
  if (owned) pool.on('error', options.onError ?? (() => {}))
  try {
    const client = await pool.connect()
    try {
      await migrate(client, schema, { create: options.create ?? true })
    } finally {
      client.release()
    }
  } catch (error) {
    if (owned) await pool.end().catch(() => {})
    throw error
  }
  const quoted = quoteIdentifier(schema)
  return {
    users: new PostgresUserStore(pool, quoted, usernameField),
    tokens: new PostgresTokenStore(pool, quoted),
    throttle: new PostgresThrottleStore(pool, quoted),
    pool,
    schema,
    close: async () => {
      if (owned) await pool.end()
    },
  }
}
