/**
 * The machine's PostgreSQL and Redis, for tests: probes for `requireService` (skipped outside CI
 * when a service is missing, failed in CI), and a schema or key prefix of each test run's own,
 * removed at the end, since both services are shared.
 */
import { randomBytes } from 'node:crypto'
import { requireService } from '@simplejwt/store-tests'
import { Redis } from 'ioredis'
import pg from 'pg'

export const POSTGRES_URL = 'postgres://postgres@127.0.0.1:5432/test'
export const REDIS_URL = 'redis://127.0.0.1:6379'

/** A name no other run uses: lower-case letters, digits and underscores. */
export function runName(label: string): string {
  return `${label}_${randomBytes(6).toString('hex')}`
}

/** Whether PostgreSQL answers at {@link POSTGRES_URL} (see `requireService`). */
export function requirePostgres(): Promise<boolean> {
  return requireService(`PostgreSQL at ${POSTGRES_URL}`, async () => {
    const client = new pg.Client({ connectionString: POSTGRES_URL, connectionTimeoutMillis: 2000 })
    try {
      await client.connect()
      await client.query('SELECT 1')
    } finally {
      await client.end().catch(() => {})
    }
  })
}

/** Whether Redis answers at {@link REDIS_URL} (see `requireService`). */
export function requireRedis(): Promise<boolean> {
  return requireService(`Redis at ${REDIS_URL}`, async () => {
    const client = redisClient(REDIS_URL)
    try {
      await client.connect()
      await client.ping()
    } finally {
      client.disconnect()
    }
  })
}

/** A PostgreSQL schema of a test's own: the DATABASE_URL naming it, and its removal. */
export interface ScratchSchema {
  readonly schema: string
  /** {@link POSTGRES_URL} with `?schema=`, as the demo apps read it. */
  readonly databaseUrl: string
  /** Drops the schema and everything in it. */
  drop(): Promise<void>
}

export function scratchSchema(label: string): ScratchSchema {
  const schema = runName(label)
  return {
    schema,
    databaseUrl: `${POSTGRES_URL}?schema=${schema}`,
    async drop() {
      const client = new pg.Client({ connectionString: POSTGRES_URL })
      await client.connect()
      try {
        await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`)
      } finally {
        await client.end()
      }
    },
  }
}

/** A Redis key prefix of a test's own: the REDIS_URL naming it, and the removal of its keys. */
export interface ScratchPrefix {
  readonly prefix: string
  /** {@link REDIS_URL} with `?prefix=`, as the demo apps read it. */
  readonly redisUrl: string
  /** Deletes every key under the prefix; resolves how many. */
  clear(): Promise<number>
}

export function scratchPrefix(label: string, url = REDIS_URL): ScratchPrefix {
  const prefix = `${runName(label)}:`
  return {
    prefix,
    redisUrl: `${url}?prefix=${encodeURIComponent(prefix)}`,
    async clear() {
      const client = redisClient(url)
      try {
        await client.connect()
        let deleted = 0
        let cursor = '0'
        do {
          const [next, keys] = await client.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500)
          if (keys.length > 0) deleted += await client.del(...keys)
          cursor = next
        } while (cursor !== '0')
        return deleted
      } finally {
        client.disconnect()
      }
    },
  }
}

function redisClient(url: string): Redis {
  const client = new Redis(url, {
    lazyConnect: true,
    enableOfflineQueue: false,
    connectTimeout: 2000,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  })
  client.on('error', () => {})
  return client
}
