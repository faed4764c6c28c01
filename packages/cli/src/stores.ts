/**
 * The token store named by `--database sqlite:PATH|postgres://...[?schema=]` or
 * `--redis redis://...[?prefix=]`, opened with the stores' own packages, as the demo apps open
 * them. URLs are printed only with their password replaced by `***`.
 */
import { existsSync } from 'node:fs'
import type { RevocationStore } from '@simplejwt/core'
import { CommandFailure, UsageError } from './io'

/** A token store with the revocation methods and flushExpired, and how to close it. */
export interface OpenedStore {
  readonly tokens: RevocationStore & { flushExpired(now: Date): Promise<number> }
  /** Where it is, for messages; never with a password. */
  readonly description: string
  close(): Promise<void>
}

export const STORE_OPTIONS = {
  database: { type: 'string' },
  redis: { type: 'string' },
} as const

/** Opens the one store the options name. */
export async function openStore(values: {
  readonly database?: string | undefined
  readonly redis?: string | undefined
}): Promise<OpenedStore> {
  const { database, redis } = values
  if ((database === undefined) === (redis === undefined)) {
    throw new UsageError(
      'give the token store: --database sqlite:PATH|postgres://... or --redis redis://...',
    )
  }
  if (redis !== undefined) return openRedis(redis)
  const url = database as string
  const scheme = schemeOf(url)
  if (scheme === 'sqlite') return openSqlite(url)
  if (scheme === 'postgres' || scheme === 'postgresql') return openPostgres(url)
  throw new UsageError(
    `--database must be sqlite:PATH or postgres://user:password@host:5432/database; got a '${scheme ?? 'no'}' scheme`,
  )
}

async function openSqlite(url: string): Promise<OpenedStore> {
  // `sqlite:PATH`, or the URL form `sqlite:///abs/path`.
  const rest = url.slice('sqlite:'.length)
  const path = rest.startsWith('//') ? rest.slice(2) : rest
  if (path === '') throw new UsageError('--database sqlite:PATH needs a PATH')
  // Opening a missing file would create an empty database: a mistyped path must fail instead.
  if (!existsSync(path))
    throw new CommandFailure(`no such database file: ${path}`, 'store_unavailable')
  const { openSqliteStore } = await import('@simplejwt/sqlite')
  const store = await failure(`sqlite:${path}`, url, async () => openSqliteStore(path))
  return { tokens: store.tokens, description: `sqlite:${path}`, close: async () => store.close() }
}

async function openPostgres(url: string): Promise<OpenedStore> {
  const parsed = parseUrl(url, '--database')
  const schema = takeParameter(parsed, 'schema') ?? 'public'
  const where = `PostgreSQL at ${redact(parsed)} (schema ${schema})`
  const { openPostgresStore } = await import('@simplejwt/postgres')
  // A schema without the tables is an error, not created: its name may be mistyped.
  const store = await failure(where, url, () =>
    openPostgresStore({ connectionString: parsed.toString(), schema, create: false }),
  )
  return { tokens: store.tokens, description: where, close: () => store.close() }
}

async function openRedis(url: string): Promise<OpenedStore> {
  const scheme = schemeOf(url)
  if (scheme !== 'redis' && scheme !== 'rediss') {
    throw new UsageError(
      `--redis must be redis://host:6379 or rediss://host:6379; got a '${scheme ?? 'no'}' scheme`,
    )
  }
  const parsed = parseUrl(url, '--redis')
  const prefix = takeParameter(parsed, 'prefix') ?? 'simplejwt:'
  const where = `Redis at ${redact(parsed)} (prefix '${prefix}')`
  const { connectRedisTokenStore } = await import('@simplejwt/redis')
  // A failed connection rejects with "Connection is closed"; the reason came as an error event.
  let reason: unknown
  const store = await failure(where, url, () =>
    connectRedisTokenStore({
      url: parsed.toString(),
      prefix,
      // One attempt: a command line reports a Redis that is away instead of waiting for it.
      redis: { retryStrategy: () => null },
      onError: (error) => {
        reason ??= error
      },
    }).catch((error: unknown) => {
      throw reason ?? error
    }),
  )
  return { tokens: store, description: where, close: () => store.close() }
}

/** Runs `open`; a failure is a CommandFailure saying where, without the URL's password. */
async function failure<T>(where: string, url: string, open: () => Promise<T>): Promise<T> {
  try {
    return await open()
  } catch (error) {
    throw new CommandFailure(`cannot open ${where}: ${errorText(error, url)}`, 'store_unavailable')
  }
}

/** An error's message, with the password of `url`, should a driver ever repeat it, as `***`. */
export function errorText(error: unknown, url: string): string {
  const text = messageOf(error)
  let password = ''
  try {
    password = decodeURIComponent(new URL(url).password)
  } catch {}
  return password === '' ? text : text.replaceAll(password, '***')
}

function messageOf(error: unknown): string {
  if (!(error instanceof Error)) return String(error)
  if (error.message !== '') return error.message
  // A connection refused on every address has its reasons in `errors`.
  const inner = (error as { errors?: unknown }).errors
  if (Array.isArray(inner) && inner.length > 0) return inner.map(messageOf).join('; ')
  return (error as { code?: string }).code ?? error.name
}

function schemeOf(url: string): string | undefined {
  return /^([a-z][a-z0-9+.-]*):/i.exec(url)?.[1]?.toLowerCase()
}

function parseUrl(url: string, option: string): URL {
  try {
    return new URL(url)
  } catch {
    throw new UsageError(`${option} is not a valid URL`)
  }
}

function redact(url: URL): string {
  const copy = new URL(url)
  if (copy.password !== '') copy.password = '***'
  return copy.toString()
}

/** Removes the query parameter `name` from `url` and returns its value. */
function takeParameter(url: URL, name: string): string | undefined {
  const value = url.searchParams.get(name)
  if (value === null) return undefined
  url.searchParams.delete(name)
  if (value === '') throw new UsageError(`the ?${name}= parameter of the URL is empty`)
  return value
}
